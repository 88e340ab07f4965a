using NUnit.Framework;
using Storytailor.Aws;
using Storytailor.Core;
using Storytailor.Deploy;
using Storytailor.FakeAws;

namespace Storytailor.Deploy.Tests;

/// <summary>
/// "No CloudWatch data at all", answered by moto (an implementation this project did not write) rather than by the
/// fake: metrics that were never published under the API's dimensions. The window must not pass and the guard must
/// not read "0 requests".
/// </summary>
[TestFixture]
[NonParallelizable]
[Category("EndToEnd")]
public sealed class MotoNoMetricsTests
{
    private static readonly ApiIdentity Green = new(ApiGatewayType.Http, "a1b2c3green", "v1");
    private static readonly ApiIdentity Blue = new(ApiGatewayType.Http, "b1ue000api", "v1");

    [Test]
    public async Task With_no_metrics_at_all_the_window_rolls_back_and_the_guard_keeps_the_old_colour()
    {
        await using var moto = await MotoServer.StartAsync();
        var log = new RecordingLog();
        using var factory = new AwsClientFactory(new AwsSettings { Region = "eu-west-1", EndpointUrl = moto.Endpoint, MaxAttempts = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(5) }, log);
        var time = new SteppingTime(DateTimeOffset.UtcNow.AddMinutes(-30));
        var settings = DeploymentSettingsParser.Parse(DeploymentEnvironmentSettings.Production, new Dictionary<string, string?>
        {
            ["Domain"] = FakeAwsTest.Domain,
            ["Blue.Endpoint"] = FakeAwsTest.BlueEndpoint,
            ["Green.Endpoint"] = FakeAwsTest.GreenEndpoint,
            ["Blue.Functions"] = "storytailor-prod-blue-router",
            ["Green.Functions"] = "storytailor-prod-green-router",
            ["MonitoringWindow"] = "5m",
            ["MetricDelay"] = "0s",
        });
        var plan = MonitoringPlan.For(settings, DeploymentColour.Green, Green, _ => Task.FromResult(new SmokeProbeResult(true, "4 checks")));

        var result = await new MonitoringWindow(factory.MetricsReader(), time, log).RunAsync(plan);
        var decision = await new CleanupGuard(factory.DnsRouter(), factory.MetricsReader(), settings, "ZNOSUCHZONE", time, log)
            .DecideAsync(new CleanupRequest(DeploymentColour.Green, time.GetUtcNow().AddMinutes(-10), result with { Verdict = MonitoringVerdict.Passed }, Blue));

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Rollback), result.Reason);
        Assert.That(result.Reason, Does.Contain("the colour serves no traffic, or the metrics are not where the build looks"));
        Assert.That(result.Samples[0].Facts, Has.Some.StartsWith("requests no data (0 points"));
        Assert.That(decision.MayDestroy, Is.False);
        Assert.That(decision.Checks.Single(c => c.Name == "traffic").Fact, Does.StartWith("the traffic of blue is unknown: CloudWatch has no request count for HTTP API ApiId=b1ue000api"));
    }
}
