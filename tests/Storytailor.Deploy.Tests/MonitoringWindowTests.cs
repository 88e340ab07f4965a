using NUnit.Framework;
using Storytailor.Deploy;
using Storytailor.FakeAws;

namespace Storytailor.Deploy.Tests;

public sealed class MonitoringWindowTests : FakeAwsTest
{
    private const string Function = "storytailor-prod-green-router";
    private static readonly Dictionary<string, string> GreenApi = new() { ["ApiName"] = "storytailor-prod-green", ["Stage"] = "v1" };

    private int _smokeRuns;

    private MonitoringWindow Window() => new(Factory.MetricsReader(), Time, Log);

    private MonitoringPlan Plan(SmokeProbe? smoke = null, int consecutive = 2) =>
        MonitoringPlan.For(Production(v => v["ConsecutiveBreaches"] = consecutive.ToString(System.Globalization.CultureInfo.InvariantCulture)), DeploymentColour.Green, smoke ?? Healthy);

    private Task<SmokeProbeResult> Healthy(CancellationToken token)
    {
        Interlocked.Increment(ref _smokeRuns);
        return Task.FromResult(new SmokeProbeResult(true, "5/5 checks passed"));
    }

    /// <summary>One value per sample minute: sample k reads the minute before it.</summary>
    private void Series(string ns, string metric, IReadOnlyDictionary<string, string> dimensions, string stat, params double[] perSample)
    {
        var start = Time.GetUtcNow();
        Server.CloudWatch.PutSeries(ns, metric, dimensions, stat, perSample.Select((value, i) => (start.AddMinutes(i + 1).AddSeconds(-30), value)));
    }

    private void Latency(params double[] perSample) => Series("AWS/ApiGateway", "Latency", GreenApi, "p95", perSample);

    [Test]
    public async Task A_healthy_window_passes_after_every_sample()
    {
        Latency(Enumerable.Repeat(320.0, 10).ToArray());
        var seen = new List<int>();
        var plan = Plan() with { OnSample = (s, _) => { seen.Add(s.Number); return Task.CompletedTask; } };

        var result = await Window().RunAsync(plan);

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Passed), result.Reason);
        Assert.That(result.Samples, Has.Count.EqualTo(10));
        Assert.That(seen, Is.EqualTo(Enumerable.Range(1, 10)));
        Assert.That(_smokeRuns, Is.EqualTo(10));
        Assert.That(result.EndedAt - result.StartedAt, Is.EqualTo(TimeSpan.FromMinutes(10)));
        Assert.That(result.Samples[0].Facts, Has.Some.EqualTo("p95 320 ms ≤ 800 ms"));
        Assert.That(Server.MutatingRequests, Is.Empty);
        AssertAllSigned();
    }

    [Test]
    public async Task One_noisy_sample_does_not_roll_back()
    {
        Latency(300, 912, 300, 300, 300, 300, 300, 300, 300, 300);

        var result = await Window().RunAsync(Plan());

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Passed));
        Assert.That(result.Samples[1].Breaches.Single().Fact, Is.EqualTo("p95 912 ms > 800 ms"));
        Assert.That(result.Samples[2].ConsecutiveBreaches, Is.Zero);
    }

    [Test]
    public async Task Consecutive_breaches_roll_back_and_say_which_metric_by_how_much()
    {
        Latency(300, 912, 950, 300);

        var result = await Window().RunAsync(Plan());

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Rollback));
        Assert.That(result.Samples, Has.Count.EqualTo(3), "stops at the deciding sample");
        Assert.That(result.RollbackBreaches.Single(), Is.EqualTo(new Breach("p95", "p95 950 ms > 800 ms")));
        Assert.That(result.Reason, Does.Contain("2 consecutive").And.Contain("p95 950 ms > 800 ms"));
        Assert.That(result.EndedAt - result.StartedAt, Is.EqualTo(TimeSpan.FromMinutes(3)));
    }

    [Test]
    public async Task The_number_of_consecutive_breaches_is_configurable()
    {
        Latency(912, 912, 300, 912, 912, 912);

        var result = await Window().RunAsync(Plan(consecutive: 3));

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Rollback));
        Assert.That(result.Samples, Has.Count.EqualTo(6));
    }

    [Test]
    public async Task Error_rate_lambda_errors_throttles_and_cold_starts_are_breaches()
    {
        Series("AWS/ApiGateway", "5XXError", GreenApi, "Sum", 5, 5);
        Series("AWS/ApiGateway", "Count", GreenApi, "Sum", 100, 100);
        var fn = new Dictionary<string, string> { ["FunctionName"] = Function };
        Series("AWS/Lambda", "Errors", fn, "Sum", 3, 3);
        Series("AWS/Lambda", "Throttles", fn, "Sum", 0, 7);
        Series("LambdaInsights", "init_duration", new Dictionary<string, string> { ["function_name"] = Function }, "Maximum", 212, 140);

        var result = await Window().RunAsync(Plan());

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Rollback));
        Assert.That(result.Samples[0].Breaches.Select(b => b.Fact), Is.EquivalentTo(new[]
        {
            "5XX rate 5% (5/100) > 1%",
            $"Lambda errors {Function} 3 > 0",
            $"init duration {Function} 212 ms > 150 ms",
        }));
        Assert.That(result.RollbackBreaches.Select(b => b.Metric), Is.EquivalentTo(new[] { "5xx", "lambda-errors", "lambda-throttles" }));
        Assert.That(result.Samples[1].Facts, Has.Some.EqualTo($"init duration {Function} 140 ms ≤ 150 ms"));
    }

    [Test]
    public async Task An_alarm_firing_before_the_switch_is_reported_not_counted()
    {
        Server.CloudWatch.PutAlarm(new FakeAlarm("storytailor-prod-green-5xx", "ALARM", "Threshold crossed", Time.GetUtcNow().AddHours(-1)));
        var window = Window();
        var plan = Plan();

        var before = await window.AlarmsFiringAsync(plan.Colour);
        var result = await window.RunAsync(plan with { AlarmsFiringBeforeSwitch = [.. before.Select(a => a.Name)] });

        Assert.That(before.Select(a => a.Name), Is.EqualTo(new[] { "storytailor-prod-green-5xx" }));
        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Passed));
        Assert.That(result.PreExistingAlarms, Is.EqualTo(new[] { "storytailor-prod-green-5xx" }));
        Assert.That(result.Samples[0].Facts, Has.Some.Contains("since before the switch"));
        Assert.That(Log.Text, Does.Contain("already in ALARM before the switch"));
    }

    [Test]
    public async Task An_alarm_that_fires_during_the_window_rolls_back()
    {
        Server.CloudWatch.PutAlarm(new FakeAlarm("storytailor-prod-green-latency", "OK", "fine", Time.GetUtcNow()) { FlipAt = Time.GetUtcNow().AddMinutes(4).AddSeconds(30) });

        var result = await Window().RunAsync(Plan());

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Rollback));
        Assert.That(result.Samples, Has.Count.EqualTo(6));
        Assert.That(result.RollbackBreaches.Single().Fact, Does.StartWith("alarm storytailor-prod-green-latency in ALARM"));
    }

    [Test]
    public async Task Failing_or_crashing_smoke_checks_are_breaches()
    {
        var calls = 0;
        var result = await Window().RunAsync(Plan(smoke: _ => ++calls == 1
            ? Task.FromResult(new SmokeProbeResult(false, "health returned 503"))
            : throw new HttpRequestException("connection refused")));

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Rollback));
        Assert.That(result.Samples[0].Breaches.Single().Fact, Is.EqualTo("smoke failed: health returned 503"));
        Assert.That(result.RollbackBreaches.Single().Fact, Is.EqualTo("smoke could not run: connection refused"));
    }

    [Test]
    public async Task Metrics_that_cannot_be_read_are_not_a_pass()
    {
        Server.Faults.ServerError("GetMetricData", 6);

        var result = await Window().RunAsync(Plan());

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Rollback));
        Assert.That(result.RollbackBreaches.Single().Fact, Does.StartWith("metrics could not be read"));
    }

    [Test]
    public async Task Throttling_bursts_are_retried_and_do_not_count_as_breaches()
    {
        Latency(Enumerable.Repeat(320.0, 10).ToArray());
        Server.Faults.Throttle("GetMetricData", 2);
        Server.Faults.Throttle("DescribeAlarms", 2);

        var result = await Window().RunAsync(Plan());

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Passed), result.Reason);
        Assert.That(result.Samples.All(s => !s.Breached), Is.True);
    }

    [Test]
    public void Cancelling_stops_the_window()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        Assert.That(async () => await Window().RunAsync(Plan(), cancel.Token), Throws.InstanceOf<OperationCanceledException>());
    }
}
