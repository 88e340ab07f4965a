using NUnit.Framework;
using Storytailor.FakeAws;

namespace Storytailor.Aws.Tests;

public sealed class MetricsReaderTests : FakeAwsTest
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private IMetricsReader Metrics => Factory.MetricsReader();

    [Test]
    public async Task Reads_latency_errors_and_requests_and_computes_the_error_rate()
    {
        var api = new Dictionary<string, string> { ["ApiName"] = "storytailor-api", ["Stage"] = "prod" };
        Server.CloudWatch.PutSeries("AWS/ApiGateway", "Latency", api, "p95", [(Start.AddMinutes(1), 420), (Start.AddMinutes(2), 910.5), (Start.AddMinutes(30), 1)]);
        Server.CloudWatch.PutSeries("AWS/ApiGateway", "5XXError", api, "Sum", [(Start.AddMinutes(1), 2), (Start.AddMinutes(2), 3)]);
        Server.CloudWatch.PutSeries("AWS/ApiGateway", "Count", api, "Sum", [(Start.AddMinutes(1), 200), (Start.AddMinutes(2), 300)]);

        var series = await Metrics.GetMetricDataAsync(
            [MetricQueries.ApiLatencyP95("storytailor-api", "prod"), MetricQueries.Api5xxCount("storytailor-api", "prod"), MetricQueries.ApiRequestCount("storytailor-api", "prod")],
            Start,
            Start.AddMinutes(10));
        var byId = series.ToDictionary(s => s.Id);

        Assert.That(byId["latencyp95"].Points.Select(p => p.Value), Is.EqualTo(new[] { 420, 910.5 }), "points outside the window are not returned");
        Assert.That(byId["latencyp95"].Max, Is.EqualTo(910.5));
        Assert.That(MetricQueries.ErrorRatePercent(byId["errors5xx"], byId["requests"]), Is.EqualTo(1.0).Within(1e-9));
        Assert.That(Server.CloudWatch.LastMetricDataRequest!["MetricDataQueries.member.1.MetricStat.Stat"], Is.EqualTo("p95"));
    }

    [Test]
    public async Task Reads_lambda_errors_throttles_duration_and_init_duration()
    {
        var fn = new Dictionary<string, string> { ["FunctionName"] = "storytailor-api-green" };
        Server.CloudWatch.PutSeries("AWS/Lambda", "Errors", fn, "Sum", [(Start, 1)]);
        Server.CloudWatch.PutSeries("AWS/Lambda", "Throttles", fn, "Sum", [(Start, 0)]);
        Server.CloudWatch.PutSeries("AWS/Lambda", "Duration", fn, "p95", [(Start, 250)]);
        Server.CloudWatch.PutSeries("LambdaInsights", "init_duration", new Dictionary<string, string> { ["function_name"] = "storytailor-api-green" }, "Maximum", [(Start, 800)]);
        var series = await Metrics.GetMetricDataAsync(
            [MetricQueries.LambdaErrors("storytailor-api-green"), MetricQueries.LambdaThrottles("storytailor-api-green"), MetricQueries.LambdaDuration("storytailor-api-green"), MetricQueries.LambdaInitDuration("storytailor-api-green")],
            Start,
            Start.AddMinutes(5));
        Assert.That(series.Select(s => s.Sum), Is.EqualTo(new double[] { 1, 0, 250, 800 }));
    }

    [Test]
    public async Task An_empty_window_gives_empty_series_not_zeroes()
    {
        var series = await Metrics.GetMetricDataAsync([MetricQueries.LambdaErrors("quiet")], Start, Start.AddMinutes(5));
        Assert.That(series.Single().Points, Is.Empty);
        Assert.That(series.Single().Max, Is.Null);
    }

    [Test]
    public async Task Describes_alarms_by_prefix_and_sees_an_alarm_flip()
    {
        var now = Start;
        Server.Clock = () => now;
        Server.CloudWatch.PutAlarm(new FakeAlarm("storytailor-prod-5xx", "OK", "Threshold not crossed", Start.AddHours(-1)) { FlipAt = Start.AddMinutes(3) });
        Server.CloudWatch.PutAlarm(new FakeAlarm("storytailor-prod-latency", "OK", "fine", Start.AddHours(-1)));
        Server.CloudWatch.PutAlarm(new FakeAlarm("other-service", "ALARM", "not ours", Start));

        var before = await Metrics.DescribeAlarmsAsync("storytailor-prod");
        now = Start.AddMinutes(4);
        var after = await Metrics.DescribeAlarmsAsync("storytailor-prod");

        Assert.That(before.Select(a => a.Name), Is.EqualTo(new[] { "storytailor-prod-5xx", "storytailor-prod-latency" }));
        Assert.That(before.Any(a => a.IsAlarm), Is.False);
        var flipped = after.Single(a => a.IsAlarm);
        Assert.That(flipped.Name, Is.EqualTo("storytailor-prod-5xx"));
        Assert.That(flipped.UpdatedAt, Is.EqualTo(Start.AddMinutes(3)));
        Assert.That(flipped.Reason, Does.Contain("Threshold Crossed"));
    }

    [Test]
    public async Task Throttling_then_success_and_then_exhausted()
    {
        Server.Faults.Throttle("DescribeAlarms", 2);
        Assert.That(await Metrics.DescribeAlarmsAsync("x"), Is.Empty);
        Server.Faults.Throttle("GetMetricData", 10);
        var error = Assert.ThrowsAsync<AwsServiceException>(() => Metrics.GetMetricDataAsync([MetricQueries.LambdaErrors("f")], Start, Start.AddMinutes(1)));
        Assert.That(error!.ErrorCode, Is.EqualTo("Throttling"));
        Assert.That(error.Message, Does.Contain("cloudwatch GetMetricData failed: Throttling"));
    }

    [Test]
    public void A_5xx_is_retried_and_reported_when_it_persists()
    {
        Server.Faults.ServerError("DescribeAlarms", 10);
        var error = Assert.ThrowsAsync<AwsServiceException>(() => Metrics.DescribeAlarmsAsync("x"));
        Assert.That(error!.ErrorCode, Is.EqualTo("InternalServiceError"));
        Assert.That(Server.Requests.Count(r => r.Operation == "DescribeAlarms"), Is.EqualTo(4));
    }

    [Test]
    public void Reading_metrics_makes_no_mutating_request()
    {
        Assert.That(async () => await Metrics.DescribeAlarmsAsync("x"), Throws.Nothing);
        Assert.That(Server.Requests, Is.Not.Empty);
        Assert.That(Server.MutatingRequests, Is.Empty);
    }
}
