using System.Globalization;
using NUnit.Framework;
using Storytailor.Aws;
using Storytailor.Deploy;
using Storytailor.FakeAws;

namespace Storytailor.Deploy.Tests;

public sealed class MonitoringWindowTests : FakeAwsTest
{
    private const string Function = "storytailor-prod-green-router";
    private static readonly ApiIdentity GreenHttpApi = new(ApiGatewayType.Http, "a1b2c3green", "v1");
    private static readonly ApiIdentity GreenRestApi = new(ApiGatewayType.Rest, "storytailor-prod-green", "v1");
    private static readonly Dictionary<string, string> Fn = new() { ["FunctionName"] = Function };

    private int _smokeRuns;

    private MonitoringWindow Window(ColdStartLogs? logs = null) => new(Factory.MetricsReader(), Time, Log, logs);

    private MonitoringPlan Plan(SmokeProbe? smoke = null, int consecutive = 2, ApiIdentity? api = null, Action<Dictionary<string, string?>>? change = null) =>
        MonitoringPlan.For(Production(v =>
        {
            v["ConsecutiveBreaches"] = consecutive.ToString(CultureInfo.InvariantCulture);
            v["MetricDelay"] = "0s";
            change?.Invoke(v);
        }), DeploymentColour.Green, api ?? GreenHttpApi, smoke ?? Healthy);

    private Task<SmokeProbeResult> Healthy(CancellationToken token)
    {
        Interlocked.Increment(ref _smokeRuns);
        return Task.FromResult(new SmokeProbeResult(true, "4/4 checks passed"));
    }

    /// <summary>One value per whole minute from the window's first period on: value k is judged by sample k.</summary>
    private void Series(string ns, string metric, IReadOnlyDictionary<string, string> dimensions, string stat, params double[] perSample)
    {
        var start = Time.GetUtcNow();
        Server.CloudWatch.PutSeries(ns, metric, dimensions, stat, perSample.Select((value, i) => (start.AddMinutes(i), value)));
    }

    private void Api(ApiIdentity api, string metric, string stat, params double[] perSample) => Series("AWS/ApiGateway", metric, api.Dimensions, stat, perSample);

    /// <summary>A colour serving traffic: requests, no 5XX, the given p95 latency per sample.</summary>
    private void Serving(ApiIdentity api, params double[] latency)
    {
        Api(api, "Count", "Sum", [.. latency.Select(_ => 100.0)]);
        Api(api, api.ServerErrorMetric, "Sum", [.. latency.Select(_ => 0.0)]);
        Api(api, "Latency", "p95", latency);
    }

    private void Serving(params double[] latency) => Serving(GreenHttpApi, latency);

    [Test]
    public async Task A_healthy_window_passes_and_every_sample_records_each_metrics_value_points_limit_and_verdict()
    {
        Serving([.. Enumerable.Repeat(320.0, 10)]);
        Series("AWS/Lambda", "Errors", Fn, "Sum", [.. Enumerable.Repeat(0.0, 10)]);
        Series("AWS/Lambda", "Duration", Fn, "p95", [.. Enumerable.Repeat(120.0, 10)]);
        var seen = new List<string>();
        var plan = Plan() with { OnSample = (s, _) => { seen.Add(s.Describe(2)); return Task.CompletedTask; } };

        var result = await Window().RunAsync(plan);

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Passed), result.Reason);
        Assert.That(result.Samples, Has.Count.EqualTo(10));
        Assert.That(_smokeRuns, Is.EqualTo(10));
        Assert.That(result.EndedAt - result.StartedAt, Is.EqualTo(TimeSpan.FromMinutes(10)));
        Assert.That(result.Extended, Is.EqualTo(TimeSpan.Zero));
        var facts = result.Samples[0].Facts;
        Assert.That(facts, Does.Contain("requests 100 (1 point; limit > 0): ok"));
        Assert.That(facts, Does.Contain("5XX rate 0% (0/100) (1 point; limit ≤ 1%): ok"));
        Assert.That(facts, Does.Contain("latency p95 320 ms (1 point; limit ≤ 800 ms): ok"));
        Assert.That(facts, Does.Contain($"Lambda errors {Function} 0 (1 point; limit 0): ok"));
        Assert.That(facts, Does.Contain($"Lambda duration p95 {Function} 120 ms (1 point; limit ≤ 800 ms): ok"));
        Assert.That(facts, Does.Contain($"Lambda throttles {Function} no data (0 points; limit 0; rule: notBreaching): ok"));
        Assert.That(seen[0], Does.StartWith("sample 1: healthy [10:00:00–10:01:00]: probe passed").And.Contain("latency p95 320 ms"));
        Assert.That(Log.Text, Does.Contain("Monitoring sample 10: healthy [10:09:00–10:10:00]"));
        Assert.That(Server.MutatingRequests, Is.Empty);
        AssertAllSigned();
    }

    [Test]
    public async Task No_data_at_all_is_a_breach_after_the_no_traffic_samples_and_rolls_back_naming_why()
    {
        var result = await Window().RunAsync(Plan());

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Rollback), result.Reason);
        Assert.That(result.Samples, Has.Count.EqualTo(3), "sample 1 waits (1/2 without requests), samples 2 and 3 breach");
        Assert.That(result.Samples[0].Breached, Is.False);
        Assert.That(result.Samples[0].Facts, Does.Contain("requests no data (0 points; limit > 0; rule: breaching after 2 samples, 1/2): ok"));
        Assert.That(result.Samples[0].Facts, Does.Contain("latency p95 not judged without requests (0 points; limit ≤ 800 ms): not judged"));
        Assert.That(result.RollbackBreaches.Single().Metric, Is.EqualTo("requests"));
        Assert.That(result.Reason, Does.Contain("the colour serves no traffic, or the metrics are not where the build looks (HTTP API ApiId=a1b2c3green, Stage=v1)"));
    }

    [Test]
    public async Task Data_for_some_metrics_only_breaches_on_the_missing_latency_and_5xx_while_requests_are_counted()
    {
        Api(GreenHttpApi, "Count", "Sum", 100, 100);

        var result = await Window().RunAsync(Plan());

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Rollback));
        Assert.That(result.Samples[0].Breaches.Select(b => b.Fact), Is.EquivalentTo(new[]
        {
            "5XX rate no data (0 points; limit ≤ 1%; rule: breaching): BREACH",
            "latency p95 no data (0 points; limit ≤ 800 ms; rule: breaching): BREACH",
        }));
        Assert.That(result.Samples[0].Facts, Does.Contain($"Lambda errors {Function} no data (0 points; limit 0; rule: notBreaching): ok"));
    }

    [Test]
    public async Task Missing_data_rules_are_settings_per_metric()
    {
        Api(GreenHttpApi, "Count", "Sum", [.. Enumerable.Repeat(100.0, 10)]);

        var result = await Window().RunAsync(Plan(change: v =>
        {
            v["MissingLatency"] = "ignore";
            v["MissingErrorRate"] = "notBreaching";
            v["MissingLambdaErrors"] = "breaching";
        }));

        Assert.That(result.Samples[0].Facts, Does.Contain("latency p95 no data (0 points; limit ≤ 800 ms; rule: ignore): not judged"));
        Assert.That(result.Samples[0].Facts, Does.Contain("5XX rate no data (0 points; limit ≤ 1%; rule: notBreaching): ok"));
        Assert.That(result.Samples[0].Breaches.Single().Fact, Is.EqualTo($"Lambda errors {Function} no data (0 points; limit 0; rule: breaching): BREACH"));
    }

    [Test]
    public async Task One_noisy_sample_does_not_roll_back()
    {
        Serving(300, 912, 300, 300, 300, 300, 300, 300, 300, 300);

        var result = await Window().RunAsync(Plan());

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Passed));
        Assert.That(result.Samples[1].Breaches.Single().Fact, Is.EqualTo("latency p95 912 ms (1 point; limit ≤ 800 ms): BREACH"));
        Assert.That(result.Samples[2].ConsecutiveBreaches, Is.Zero);
    }

    [Test]
    public async Task Consecutive_breaches_roll_back_and_say_which_metric_by_how_much()
    {
        Serving(300, 912, 950, 300);

        var result = await Window().RunAsync(Plan());

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Rollback));
        Assert.That(result.Samples, Has.Count.EqualTo(3), "stops at the deciding sample");
        Assert.That(result.RollbackBreaches.Single(), Is.EqualTo(new Breach("latency p95", "latency p95 950 ms (1 point; limit ≤ 800 ms): BREACH")));
        Assert.That(result.Reason, Does.Contain("2 consecutive").And.Contain("latency p95 950 ms"));
        Assert.That(result.EndedAt - result.StartedAt, Is.EqualTo(TimeSpan.FromMinutes(3)));
    }

    [Test]
    public async Task A_breach_in_the_last_sample_extends_the_window_until_a_healthy_sample_clears_it()
    {
        Serving(300, 300, 300, 300, 300, 300, 300, 300, 300, 912, 300);

        var result = await Window().RunAsync(Plan());

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Passed), result.Reason);
        Assert.That(result.Samples, Has.Count.EqualTo(11));
        Assert.That(result.Samples[9].ConsecutiveBreaches, Is.EqualTo(1));
        Assert.That(result.Samples[10].Extension, Is.True);
        Assert.That(result.Samples[10].Breached, Is.False);
        Assert.That(result.Extended, Is.EqualTo(TimeSpan.FromMinutes(1)));
        Assert.That(result.Reason, Does.Contain("extended by 1m (bound 5m) because it ended on an open breach streak"));
        Assert.That(result.Samples[10].Describe(2), Does.Contain("[10:10:00–10:11:00, extension]"));
        Assert.That(Log.Text, Does.Contain("extended by one more sample"));
    }

    [Test]
    public async Task A_breach_in_the_last_sample_then_a_second_breach_rolls_back_in_the_extension()
    {
        Serving(300, 300, 300, 300, 300, 300, 300, 300, 300, 912, 930);

        var result = await Window().RunAsync(Plan());

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Rollback));
        Assert.That(result.Samples, Has.Count.EqualTo(11));
        Assert.That(result.Extended, Is.EqualTo(TimeSpan.FromMinutes(1)));
        Assert.That(result.RollbackBreaches.Single().Fact, Does.Contain("930 ms"));
    }

    [Test]
    public async Task An_open_streak_is_followed_until_it_reaches_a_longer_rollback_count()
    {
        Serving(300, 300, 300, 300, 300, 300, 300, 300, 300, 912, 912, 912);

        var result = await Window().RunAsync(Plan(consecutive: 3));

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Rollback));
        Assert.That(result.Samples, Has.Count.EqualTo(12));
        Assert.That(result.Extended, Is.EqualTo(TimeSpan.FromMinutes(2)));
    }

    [Test]
    public async Task Samples_are_aligned_to_whole_periods_and_each_data_point_is_judged_once()
    {
        // The switch lands half-way through a minute; CloudWatch (and the fake) round StartTime down to the period.
        var minute = Time.GetUtcNow();
        Time.Advance(TimeSpan.FromSeconds(30));
        var requests = Enumerable.Range(0, 12).Select(i => (minute.AddMinutes(i), 100.0)).ToList();
        Server.CloudWatch.PutSeries("AWS/ApiGateway", "Count", GreenHttpApi.Dimensions, "Sum", requests);
        Server.CloudWatch.PutSeries("AWS/ApiGateway", "5xx", GreenHttpApi.Dimensions, "Sum", requests.Select(r => (r.Item1, 0.0)));
        // One bad minute: 10:00 (the partial minute of the switch, before the first sample's period) and 10:03.
        Server.CloudWatch.PutSeries("AWS/ApiGateway", "Latency", GreenHttpApi.Dimensions, "p95", requests.Select(r => (r.Item1, r.Item1 == minute || r.Item1 == minute.AddMinutes(3) ? 990.0 : 300.0)));

        var result = await Window().RunAsync(Plan() with { SwitchedAt = Time.GetUtcNow() });

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Passed), result.Reason);
        Assert.That(result.Samples[0].From, Is.EqualTo(minute.AddMinutes(1)), "the first sample judges the first complete period after the switch");
        Assert.That(result.Samples.Zip(result.Samples.Skip(1)).All(p => p.First.To == p.Second.From), Is.True, "samples are contiguous");
        Assert.That(result.Samples.Count(s => s.Breached), Is.EqualTo(1), "the bad minute is judged by exactly one sample");
        Assert.That(result.Samples.Single(s => s.Breached).From, Is.EqualTo(minute.AddMinutes(3)));
        Assert.That(result.Samples.All(s => s.Facts.Any(f => f.StartsWith("requests 100 (1 point", StringComparison.Ordinal))), Is.True);
        Assert.That(Server.CloudWatch.LastMetricDataRequest!["StartTime"], Does.EndWith(":00Z"));
    }

    [Test]
    public async Task The_first_sample_waits_for_the_metric_delay_after_its_period()
    {
        Serving(300, 300, 300);

        var result = await Window().RunAsync(Plan(change: v => v["MetricDelay"] = "1m"));

        Assert.That(result.Samples[0].At - result.StartedAt, Is.EqualTo(TimeSpan.FromMinutes(2)));
        Assert.That(result.Samples[0].To - result.StartedAt, Is.EqualTo(TimeSpan.FromMinutes(1)));
    }

    [Test]
    public async Task Http_apis_are_read_by_ApiId_and_5xx_and_rest_apis_by_ApiName_and_5XXError()
    {
        Serving(GreenHttpApi, [.. Enumerable.Repeat(300.0, 10)]);
        var http = await Window().RunAsync(Plan());
        var httpForm = Server.CloudWatch.LastMetricDataRequest!;

        Serving(GreenRestApi, [.. Enumerable.Repeat(300.0, 10)]);
        var rest = await Window().RunAsync(Plan(api: GreenRestApi, change: v => v["ApiType"] = "rest"));
        var restForm = Server.CloudWatch.LastMetricDataRequest!;

        Assert.That(http.Verdict, Is.EqualTo(MonitoringVerdict.Passed), http.Reason);
        Assert.That(rest.Verdict, Is.EqualTo(MonitoringVerdict.Passed), rest.Reason);
        Assert.That(Metrics(httpForm), Is.SupersetOf(new[] { "AWS/ApiGateway/Count", "AWS/ApiGateway/5xx", "AWS/ApiGateway/4xx", "AWS/ApiGateway/Latency", "AWS/ApiGateway/IntegrationLatency", "AWS/Lambda/Duration" }));
        Assert.That(Metrics(restForm), Is.SupersetOf(new[] { "AWS/ApiGateway/Count", "AWS/ApiGateway/5XXError", "AWS/ApiGateway/4XXError", "AWS/ApiGateway/Latency" }));
        Assert.That(httpForm.Where(p => p.Key.EndsWith(".Dimensions.member.1.Name", StringComparison.Ordinal)).Select(p => p.Value), Does.Contain("ApiId").And.Not.Contain("ApiName"));
        Assert.That(restForm.Where(p => p.Key.EndsWith(".Dimensions.member.1.Name", StringComparison.Ordinal)).Select(p => p.Value), Does.Contain("ApiName").And.Not.Contain("ApiId"));
    }

    [Test]
    public async Task An_unknown_api_identity_breaches_every_sample()
    {
        var result = await Window().RunAsync(Plan() with { Api = null, ApiUnknown = "the stack of green has no api_id output" });

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Rollback));
        Assert.That(result.Samples, Has.Count.EqualTo(2));
        Assert.That(result.RollbackBreaches.Single().Fact, Is.EqualTo("API metrics cannot be read: the stack of green has no api_id output"));
    }

    [Test]
    public async Task Lambda_errors_throttles_duration_and_insights_cold_starts_are_breaches()
    {
        Serving(300, 300);
        Series("AWS/Lambda", "Errors", Fn, "Sum", 3, 3);
        Series("AWS/Lambda", "Throttles", Fn, "Sum", 0, 7);
        Series("AWS/Lambda", "Duration", Fn, "p95", 1200, 300);
        Series("LambdaInsights", "init_duration", new Dictionary<string, string> { ["function_name"] = Function }, "Maximum", 212, 140);

        var result = await Window().RunAsync(Plan());

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Rollback));
        Assert.That(result.Samples[0].Breaches.Select(b => b.Fact), Is.EquivalentTo(new[]
        {
            $"Lambda errors {Function} 3 (1 point; limit 0): BREACH",
            $"Lambda duration p95 {Function} 1200 ms (1 point; limit ≤ 800 ms): BREACH",
            $"cold starts {Function} 1 from Lambda Insights, longest init 212 ms (1 point; limit ≤ 150 ms): BREACH",
        }));
        Assert.That(result.RollbackBreaches.Select(b => b.Fact), Has.Some.StartsWith($"Lambda throttles {Function} 7"));
        Assert.That(result.ColdStartSources, Is.EqualTo(new[] { "Lambda Insights" }));
        Assert.That(result.ColdStartsNotMeasured, Is.Null);
    }

    [Test]
    public async Task Without_lambda_insights_cold_starts_come_from_the_report_lines_through_logs_insights()
    {
        Serving([.. Enumerable.Repeat(300.0, 10)]);
        var start = Time.GetUtcNow();
        var logs = new ScriptedLogs(
            (start.AddSeconds(20), $"/aws/lambda/{Function}", "REPORT RequestId: 1 Duration: 20.1 ms Billed Duration: 21 ms Memory Size: 512 MB Max Memory Used: 80 MB Init Duration: 212.44 ms"),
            (start.AddSeconds(40), $"/aws/lambda/{Function}", "REPORT RequestId: 2 Duration: 3.0 ms Billed Duration: 3 ms Memory Size: 512 MB Max Memory Used: 80 MB"),
            (start.AddMinutes(1).AddSeconds(5), $"/aws/lambda/{Function}", "START RequestId: 3 Version: $LATEST"));

        var result = await Window(new ColdStartLogs(logs, TimeSpan.FromSeconds(5))).RunAsync(Plan());

        Assert.That(logs.LogGroups, Is.EqualTo(new[] { $"/aws/lambda/{Function}" }));
        Assert.That(result.Samples[0].Breaches.Single().Fact, Is.EqualTo($"cold starts {Function} 1 from Logs Insights, longest init 212.4 ms (1 point; limit ≤ 150 ms): BREACH"));
        Assert.That(result.Samples[1].Facts, Does.Contain($"cold starts {Function} none (Logs Insights) (0 points; limit ≤ 150 ms): ok"));
        Assert.That(result.ColdStartSources, Is.EqualTo(new[] { "Logs Insights" }));
        Assert.That(result.ColdStartsNotMeasured, Is.Null);
    }

    [Test]
    public async Task Without_lambda_insights_or_logs_insights_the_result_says_cold_starts_were_not_measured_and_why()
    {
        Serving([.. Enumerable.Repeat(300.0, 20)]);

        var unconfigured = await Window().RunAsync(Plan());
        var failing = await Window(new ColdStartLogs(new ScriptedLogs { Failure = "ResourceNotFoundException: The specified log group does not exist." }, TimeSpan.FromSeconds(5))).RunAsync(Plan());

        Assert.That(unconfigured.Verdict, Is.EqualTo(MonitoringVerdict.Passed), "rule ignore (default): reported, not a breach");
        Assert.That(unconfigured.ColdStartsNotMeasured, Is.EqualTo($"cold starts not measured: {Function} publishes no Lambda Insights metrics and Logs Insights is not configured"));
        Assert.That(unconfigured.Samples[0].Facts, Has.Some.StartsWith($"cold starts {Function} not measured ("));
        Assert.That(failing.ColdStartsNotMeasured, Does.StartWith($"cold starts not measured: {Function} publishes no Lambda Insights metrics and Logs Insights could not read /aws/lambda/{Function}").And.Contain("ResourceNotFoundException: ResourceNotFoundException: The specified log group does not exist."));
    }

    [Test]
    public async Task An_alarm_firing_before_the_switch_is_reported_not_counted()
    {
        Serving([.. Enumerable.Repeat(300.0, 10)]);
        Server.CloudWatch.PutAlarm(new FakeAlarm("storytailor-prod-green-5xx", "ALARM", "Threshold crossed", Time.GetUtcNow().AddHours(-1)));
        var window = Window();
        var plan = Plan();

        var before = await window.AlarmsFiringAsync(plan.Colour);
        var result = await window.RunAsync(plan with { AlarmsFiringBeforeSwitch = [.. before.Select(a => a.Name)] });

        Assert.That(before.Select(a => a.Name), Is.EqualTo(new[] { "storytailor-prod-green-5xx" }));
        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Passed), result.Reason);
        Assert.That(result.PreExistingAlarms, Is.EqualTo(new[] { "storytailor-prod-green-5xx" }));
        Assert.That(result.Samples[0].Facts, Has.Some.Contains("since before the switch"));
        Assert.That(Log.Text, Does.Contain("already in ALARM before the switch"));
    }

    [Test]
    public async Task An_alarm_that_fires_during_the_window_rolls_back()
    {
        Serving([.. Enumerable.Repeat(300.0, 10)]);
        Server.CloudWatch.PutAlarm(new FakeAlarm("storytailor-prod-green-latency", "OK", "fine", Time.GetUtcNow()) { FlipAt = Time.GetUtcNow().AddMinutes(4).AddSeconds(30) });

        var result = await Window().RunAsync(Plan());

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Rollback));
        Assert.That(result.Samples, Has.Count.EqualTo(6));
        Assert.That(result.RollbackBreaches.Single().Fact, Does.StartWith("alarm storytailor-prod-green-latency in ALARM"));
    }

    [Test]
    public async Task Failing_or_crashing_probes_are_breaches()
    {
        Serving([.. Enumerable.Repeat(300.0, 10)]);
        var calls = 0;
        var result = await Window().RunAsync(Plan(smoke: _ => ++calls == 1
            ? Task.FromResult(new SmokeProbeResult(false, "health returned 503"))
            : throw new HttpRequestException("connection refused")));

        Assert.That(result.Verdict, Is.EqualTo(MonitoringVerdict.Rollback));
        Assert.That(result.Samples[0].Breaches.Single().Fact, Is.EqualTo("probe failed: health returned 503"));
        Assert.That(result.RollbackBreaches.Single().Fact, Is.EqualTo("probe could not run: connection refused"));
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
        Serving([.. Enumerable.Repeat(300.0, 10)]);
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

    private static IEnumerable<string> Metrics(IReadOnlyDictionary<string, string> form) =>
        form.Where(p => p.Key.EndsWith(".MetricStat.Metric.MetricName", StringComparison.Ordinal))
            .Select(p => form[p.Key.Replace("MetricName", "Namespace", StringComparison.Ordinal)] + "/" + p.Value);

    /// <summary>Logs Insights answering REPORT lines (time, log group, message) or failing every query.</summary>
    private sealed class ScriptedLogs(params (DateTimeOffset At, string Group, string Message)[] lines) : ILogsInsights
    {
        public string? Failure { get; init; }

        public List<string> LogGroups { get; } = [];

        public Task<IReadOnlyList<LogQueryRow>> QueryAsync(IReadOnlyList<string> logGroups, string query, DateTimeOffset start, DateTimeOffset end, TimeSpan timeout, CancellationToken cancellationToken = default)
        {
            LogGroups.Clear();
            LogGroups.AddRange(logGroups);
            if (Failure is not null)
            {
                throw new AwsServiceException("logs", "StartQuery", "ResourceNotFoundException", Failure, "req-1", System.Net.HttpStatusCode.BadRequest);
            }

            IReadOnlyList<LogQueryRow> rows = [.. lines.Where(l => logGroups.Contains(l.Group) && l.At >= start && l.At <= end)
                .Select(l => new LogQueryRow(new Dictionary<string, string> { ["@timestamp"] = l.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture), ["@message"] = l.Message, ["@log"] = $"123456789012:{l.Group}" }))];
            return Task.FromResult(rows);
        }
    }
}
