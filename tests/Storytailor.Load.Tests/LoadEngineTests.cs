using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Storytailor.Core;

namespace Storytailor.Load.Tests;

public class LoadEngineTests
{
    private static readonly ScenarioRequest[] Health = [new("health", "GET", "/health")];

    private static LoadProfile Open(double rate, double seconds, int maxInFlight = 500, params string[] thresholds) =>
        new("test", LoadModel.Open, TimeSpan.FromSeconds(seconds)) { Rate = rate, MaxInFlight = maxInFlight, Thresholds = Threshold.ParseAll(thresholds) };

    private static LoadProfile Closed(int users, double seconds) =>
        new("test", LoadModel.Closed, TimeSpan.FromSeconds(seconds)) { VirtualUsers = users };

    private static Task<LoadTestResult> Run(TestHttpServer server, LoadProfile profile, IProgress<LoadProgress>? progress = null) =>
        new LoadEngine(new RecordingLog()).RunAsync(new LoadRun(server.BaseUrl, profile, Health), progress);

    [Test]
    public async Task Percentiles_match_a_server_with_a_known_delay_distribution()
    {
        // Every tenth request is delayed 200 ms, the rest answer at once: p95 and p99 are 200 ms, p50 is near 0.
        var counter = 0;
        await using var server = await TestHttpServer.StartAsync(async context =>
        {
            if (Interlocked.Increment(ref counter) % 10 == 0)
            {
                await Task.Delay(200);
            }

            context.Response.StatusCode = 200;
        });

        var result = await Run(server, Open(100, 2, 500, "http_req_duration: p(95)<5000"));

        // Latency can only grow on a busy machine, never shrink: the lower bounds are exact, the upper
        // bounds leave room for scheduling delays (the benchmark measures the accuracy on an idle machine).
        Assert.Multiple(() =>
        {
            Assert.That(result.Requests, Is.EqualTo(200), "every scheduled request is sent and measured");
            Assert.That(result.Latency!.P95Ms, Is.InRange(200 * 0.95, 200 * 2));
            Assert.That(result.Latency.P99Ms, Is.InRange(200 * 0.95, 200 * 2));
            Assert.That(result.Latency.MedianMs, Is.LessThan(150), "nine in ten requests are answered at once");
            Assert.That(result.Passed, Is.True, string.Join("; ", result.Failures));
        });
    }

    [Test]
    public async Task A_server_stall_shows_up_in_the_percentiles_because_latency_counts_from_the_intended_start()
    {
        // The server answers nothing for one second (from 0.5 s to 1.5 s of the run); requests due
        // during the stall waited up to a second even though each one was "fast" once served.
        var stallUntil = DateTime.MaxValue;
        var started = DateTime.MinValue;
        await using var server = await TestHttpServer.StartAsync(async context =>
        {
            var now = DateTime.UtcNow;
            if (started == DateTime.MinValue)
            {
                started = now;
                stallUntil = now.AddSeconds(1.5);
            }

            if (now > started.AddSeconds(0.5) && now < stallUntil)
            {
                await Task.Delay(stallUntil - now);
            }
        });

        var result = await Run(server, Open(50, 2.5, 500, "http_req_duration: p(95)<800"));

        Assert.Multiple(() =>
        {
            Assert.That(result.Latency!.MaxMs, Is.GreaterThan(900));
            Assert.That(result.Latency.P99Ms, Is.GreaterThan(900));
            Assert.That(result.Latency.P90Ms, Is.GreaterThan(600), "a third of the requests fell in the stall");
            Assert.That(result.Passed, Is.False);
            Assert.That(result.Failures, Has.Some.Contains("http_req_duration: p(95)<800"));
        });
    }

    [Test]
    public async Task Requests_that_cannot_start_on_time_are_counted_as_dropped()
    {
        // 100 req/s wanted, but at most 5 in flight against a server taking 250 ms: about 20 req/s fit.
        await using var server = await TestHttpServer.StartAsync(async _ => await Task.Delay(250));

        var result = await Run(server, Open(100, 1.5, 5, "dropped_iterations: count<1"));

        Assert.Multiple(() =>
        {
            Assert.That(result.Dropped, Is.GreaterThan(80));
            Assert.That(result.Requests + result.Dropped, Is.InRange(145, 150), "every scheduled request is either sent or dropped");
            Assert.That(result.Requests, Is.LessThanOrEqualTo(40));
            Assert.That(result.Thresholds.Single().Passed, Is.False);
            Assert.That(result.Passed, Is.False);
        });
    }

    [Test]
    public async Task Closed_model_throughput_falls_when_the_server_slows_while_the_open_model_keeps_its_rate()
    {
        var delay = TimeSpan.Zero;
        await using var server = await TestHttpServer.StartAsync(async _ =>
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay);
            }
        });

        var closedFast = await Run(server, Closed(4, 1));
        var openFast = await Run(server, Open(80, 1));
        delay = TimeSpan.FromMilliseconds(100);
        var closedSlow = await Run(server, Closed(4, 1));
        var openSlow = await Run(server, Open(80, 1));

        Assert.Multiple(() =>
        {
            // 4 users × 1 / 0.1 s = about 40 req/s at most once the server is slow.
            Assert.That(closedSlow.RequestsPerSecond, Is.LessThan(45));
            Assert.That(closedFast.RequestsPerSecond, Is.GreaterThan(closedSlow.RequestsPerSecond * 2));
            Assert.That(openSlow.Requests, Is.EqualTo(80).And.EqualTo(openFast.Requests), "the open model keeps the arrival rate");
            // Timers may fire a millisecond or two early; a busy machine only adds to it.
            Assert.That(openSlow.Latency!.MinMs, Is.GreaterThanOrEqualTo(90), "and latency grows instead: every request waited for the server");
        });
    }

    [Test]
    public async Task Warm_up_requests_are_not_in_the_result()
    {
        await using var server = await TestHttpServer.StartAsync(_ => Task.CompletedTask);

        var result = await Run(server, Open(50, 1) with { WarmUp = TimeSpan.FromSeconds(1) });

        Assert.That(result.Requests, Is.InRange(48, 50));
    }

    [Test]
    public async Task Failed_responses_are_counted_by_cause_and_abort_the_run_when_the_threshold_says_so()
    {
        await using var server = await TestHttpServer.StartAsync(context =>
        {
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });
        var profile = Open(20, 20) with { Thresholds = [Threshold.Parse(LoadMetrics.Failed, "rate<0.01", abortOnFail: true)] };

        var result = await Run(server, profile);

        Assert.Multiple(() =>
        {
            Assert.That(result.Aborted, Is.True);
            Assert.That(result.Requests, Is.LessThan(20 * 20 / 2), "stopped long before the end");
            Assert.That(result.ErrorRate, Is.EqualTo(1));
            Assert.That(result.Errors["HTTP 503"], Is.EqualTo(result.Requests));
            Assert.That(result.Failures, Has.Some.Contains("aborted").And.Some.Contains("HTTP 503"));
        });
    }

    [Test]
    public async Task A_target_that_refuses_connections_fails_the_run()
    {
        Uri baseUrl;
        await using (var server = await TestHttpServer.StartAsync(_ => Task.CompletedTask))
        {
            baseUrl = server.BaseUrl;
        }

        var result = await new LoadEngine(new RecordingLog()).RunAsync(new LoadRun(baseUrl, Open(20, 1, 500, "http_req_failed: rate<0.01"), Health));

        Assert.That(result.Passed, Is.False);
        Assert.That(result.Errors.Keys, Has.Some.Contains("connection refused"));
    }

    [Test]
    public async Task Requests_follow_the_weights_and_send_secret_headers_and_bodies()
    {
        var seen = new ConcurrentDictionary<string, int>();
        var keys = new ConcurrentBag<string>();
        var bodies = new ConcurrentBag<string>();
        await using var server = await TestHttpServer.StartAsync(async context =>
        {
            seen.AddOrUpdate($"{context.Request.Method} {context.Request.Path}", 1, (_, n) => n + 1);
            if (context.Request.Method == "POST")
            {
                keys.Add(context.Request.Headers["x-api-key"].ToString());
                bodies.Add(await new StreamReader(context.Request.Body).ReadToEndAsync());
            }
        });
        ScenarioRequest[] mix =
        [
            new("health", "GET", "/health") { Weight = 1 },
            new("create", "POST", "/v1/stories")
            {
                Weight = 3,
                Headers = new Dictionary<string, string> { ["x-api-key"] = "${API_KEY}", ["content-type"] = "application/json" },
                Body = "{\"prompt\":\"a moon picnic\"}",
            },
        ];
        var redactor = new SecretRedactor();
        var log = new RecordingLog();

        var result = await new LoadEngine(log, redactor).RunAsync(new LoadRun(server.BaseUrl, Open(200, 1), mix) { SecretLookup = n => n == "API_KEY" ? "key-123456" : null });

        Assert.Multiple(() =>
        {
            Assert.That(result.Requests, Is.EqualTo(200));
            Assert.That((double)seen["POST /v1/stories"] / result.Requests, Is.InRange(0.6, 0.9), "weight 3 of 4; ±0.15 is about five standard deviations at 200 requests");
            Assert.That(keys.Distinct(), Is.EquivalentTo(new[] { "key-123456" }));
            Assert.That(bodies.Distinct(), Is.EquivalentTo(new[] { "{\"prompt\":\"a moon picnic\"}" }));
            Assert.That(redactor.Redact("key-123456"), Is.EqualTo(SecretRedactor.Mask), "the resolved secret is registered for redaction");
            Assert.That(log.Text, Does.Not.Contain("key-123456"));
        });
    }

    [Test]
    public void A_header_that_references_an_unknown_secret_is_a_configuration_error()
    {
        ScenarioRequest[] mix = [new("create", "POST", "/v1/stories") { Headers = new Dictionary<string, string> { ["x-api-key"] = "${API_KEY}" } }];

        var error = Assert.ThrowsAsync<LoadConfigurationException>(() =>
            new LoadEngine(new RecordingLog()).RunAsync(new LoadRun(new Uri("http://127.0.0.1:1/"), Open(1, 1), mix)));

        Assert.That(error!.Message, Does.Contain("API_KEY").And.Contain("not set"));
    }

    [Test]
    public async Task Progress_is_reported_every_second_and_the_summary_has_series_and_thresholds()
    {
        await using var server = await TestHttpServer.StartAsync(_ => Task.CompletedTask);
        var reports = new ConcurrentQueue<LoadProgress>();
        var progress = new InlineProgress<LoadProgress>(reports.Enqueue);
        var artifacts = new ArtifactWriter(Path.Combine(Path.GetTempPath(), "load-tests-" + Guid.NewGuid().ToString("N")), new SecretRedactor());

        // 2 s of warm-up then 2 s measured: ticks near 1, 2, 3 and 4 s. A busy machine may delay or add a
        // tick, so the counts below allow for that; the threshold is far from anything a local server needs.
        var result = await Run(server, Open(50, 2, 500, "http_req_duration: p(95)<10000", "http_req_failed: rate<0.01") with { WarmUp = TimeSpan.FromSeconds(2) }, progress);
        var path = result.WriteSummary(artifacts, "load/test.json");

        using var summary = JsonDocument.Parse(File.ReadAllText(path));
        var root = summary.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(reports, Has.Count.InRange(3, 6));
            Assert.That(reports.First().WarmingUp, Is.True);
            Assert.That(reports.Last().WarmingUp, Is.False);
            Assert.That(reports.Last().Requests, Is.GreaterThan(0));
            Assert.That(reports.Last().ToLine(), Does.Contain("req/s").And.Contain("p95"));
            Assert.That(root.GetProperty("counts").GetProperty("requests").GetInt64(), Is.EqualTo(result.Requests));
            Assert.That(root.GetProperty("latency").GetProperty("p95Ms").GetDouble(), Is.GreaterThan(0));
            Assert.That(root.GetProperty("thresholds").GetArrayLength(), Is.EqualTo(2));
            Assert.That(root.GetProperty("thresholds")[0].GetProperty("passed").GetBoolean(), Is.True, string.Join("; ", result.Failures));
            Assert.That(root.GetProperty("series").GetArrayLength(), Is.InRange(2, 5));
            Assert.That(root.GetProperty("series").EnumerateArray().Sum(s => s.GetProperty("requests").GetInt64()), Is.EqualTo(result.Requests));
            Assert.That(root.GetProperty("passed").GetBoolean(), Is.True);
        });
        Directory.Delete(artifacts.Root, recursive: true);
    }
}

/// <summary>An IProgress that calls back on the reporting thread (Progress&lt;T&gt; would post to a context).</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
