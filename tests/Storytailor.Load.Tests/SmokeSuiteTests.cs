using Storytailor.Core;

namespace Storytailor.Load.Tests;

public class SmokeSuiteTests
{
    private static async Task<SmokeResult> RunAgainst(StoryApiBehaviour behaviour, Func<SmokeSettings, SmokeSettings>? adjust = null)
    {
        await using var server = await StoryApiStandIn.StartAsync(behaviour);
        // A generous response-time limit: only the test of slow responses is about it.
        var settings = new SmokeSettings(server.BaseUrl) { Checks = ExampleChecks.WithBurst(40), ResponseTimeLimit = TimeSpan.FromSeconds(10) };
        return await new SmokeSuite(new RecordingLog()).RunAsync(adjust?.Invoke(settings) ?? settings);
    }

    [Test]
    public async Task A_correct_service_passes_every_check()
    {
        var result = await RunAgainst(new StoryApiBehaviour());

        Assert.That(result.Passed, Is.True, string.Join("\n", result.Failures));
        Assert.That(result.Checks.Select(c => c.Name), Is.EqualTo(new[] { "health", "health /v1/router/health", "health /v1/agent/health", "CORS allowed origin", "CORS disallowed origin", "rate limiting" }));
        Assert.That(result.Checks.Single(c => c.Name == "rate limiting").Message, Does.Contain("429").And.Contain("recovered"));
    }

    [Test]
    public async Task The_light_probe_reads_the_health_routes_and_one_read_route_and_sends_no_burst()
    {
        await using var server = await StoryApiStandIn.StartAsync(new StoryApiBehaviour { Burst = 12, RefillPerSecond = 0.01 });
        var settings = new SmokeSettings(server.BaseUrl) { Checks = ExampleChecks.WithBurst(40), ApiKey = "test-key", ResponseTimeLimit = TimeSpan.FromSeconds(10) };
        var suite = new SmokeSuite(new RecordingLog());

        // Three probes fit the 12-request bucket only if each sends 4 requests (a smoke run's burst alone would empty it).
        var probes = new[] { await suite.ProbeAsync(settings), await suite.ProbeAsync(settings), await suite.ProbeAsync(settings) };

        Assert.That(probes.Select(p => p.Passed), Is.All.True, string.Join("\n", probes.SelectMany(p => p.Failures)));
        Assert.That(probes[0].Checks.Select(c => c.Name), Is.EqualTo(new[] { "health", "health /v1/router/health", "health /v1/agent/health", "read route" }));
        Assert.That(probes[0].Checks[3].Message, Does.StartWith("GET /v1/stories/monitoring-probe answered 404"));
        var fourth = await suite.ProbeAsync(settings);
        Assert.That(fourth.Failures, Has.Some.Contains("answered 429"), "the bucket is empty now: the stand-in counts requests");
    }

    [Test]
    public async Task The_light_probe_fails_when_the_read_route_does_not_answer_as_the_app()
    {
        await using var server = await StoryApiStandIn.StartAsync(new StoryApiBehaviour());

        var result = await new SmokeSuite(new RecordingLog()).ProbeAsync(new SmokeSettings(server.BaseUrl) { Checks = ExampleChecks.Declared, ResponseTimeLimit = TimeSpan.FromSeconds(10) });

        Assert.That(result.Failures.Single(), Is.EqualTo("Smoke check 'read route' failed: GET /v1/stories/monitoring-probe answered 401, expected 200 or 404 (an answer of the app)"));
    }

    [Test]
    public async Task Without_a_declared_read_route_the_light_probe_calls_the_health_paths_only()
    {
        await using var server = await StoryApiStandIn.StartAsync(new StoryApiBehaviour());

        var result = await new SmokeSuite(new RecordingLog()).ProbeAsync(new SmokeSettings(server.BaseUrl) { Checks = ExampleChecks.Declared with { ReadPath = null }, ResponseTimeLimit = TimeSpan.FromSeconds(10) });

        Assert.That(result.Passed, Is.True, string.Join("\n", result.Failures));
        Assert.That(result.Checks.Select(c => c.Name), Is.EqualTo(new[] { "health", "health /v1/router/health", "health /v1/agent/health" }), "no read route: none is guessed");
    }

    [Test]
    public async Task A_service_without_CORS_fails_the_allowed_origin_check()
    {
        var result = await RunAgainst(new StoryApiBehaviour { Cors = false });

        Assert.That(result.Passed, Is.False);
        Assert.That(result.Failures, Has.Exactly(1).Contains("'CORS allowed origin'").And.Contains("Access-Control-Allow-Origin is '(missing)'"));
    }

    [Test]
    public async Task A_wildcard_CORS_service_fails_both_origin_checks()
    {
        var result = await RunAgainst(new StoryApiBehaviour { WildcardCors = true });

        Assert.That(result.Failures, Has.Exactly(2).Items);
        Assert.That(result.Failures, Has.Some.Contains("'CORS disallowed origin'").And.Some.Contains("got Access-Control-Allow-Origin '*'"));
    }

    [Test]
    public async Task A_service_that_never_answers_429_fails_the_rate_limit_check()
    {
        var result = await RunAgainst(new StoryApiBehaviour { RateLimit = false });

        Assert.That(result.Failures, Has.Exactly(1).Contains("'rate limiting'").And.Contains("got no 429"));
    }

    [Test]
    public async Task Throttling_without_Retry_After_fails_when_it_is_required_and_passes_when_the_description_says_it_is_not()
    {
        var behaviour = new StoryApiBehaviour { RetryAfter = null };

        var required = await RunAgainst(behaviour);
        var optional = await RunAgainst(behaviour, s => s with { Checks = s.Checks with { RateLimit = s.Checks.RateLimit! with { RequireRetryAfter = false } } });

        Assert.That(required.Failures, Has.Exactly(1).Contains("'rate limiting'").And.Contains("without a valid Retry-After"));
        Assert.That(optional.Passed, Is.True, string.Join("\n", optional.Failures));
        Assert.That(optional.Checks.Single(c => c.Name == "rate limiting").Message, Does.Contain("no Retry-After, not required"));
    }

    [Test]
    public async Task The_declared_paths_origins_and_status_are_probed_and_a_probe_turned_off_is_not_run()
    {
        var checks = new ServiceChecks
        {
            HealthPaths = ["/v1/agent/health"],
            Cors = new CorsCheck("/v1/stories", null, "https://elsewhere.example"),
            RateLimit = null,
        };

        var result = await RunAgainst(new StoryApiBehaviour { RateLimit = false }, s => s with { Checks = checks });

        Assert.That(result.Passed, Is.True, string.Join("\n", result.Failures));
        Assert.That(result.Checks.Select(c => c.Name), Is.EqualTo(new[] { "health /v1/agent/health", "CORS disallowed origin" }));
        Assert.That(result.Checks[1].Message, Does.Contain("https://elsewhere.example"));
    }

    [Test]
    public async Task A_burst_that_must_get_another_status_fails_naming_it()
    {
        var result = await RunAgainst(new StoryApiBehaviour(), s => s with { Checks = ExampleChecks.WithBurst(40) with { RateLimit = new RateLimitCheck("/health", 40, 503, false) } });

        Assert.That(result.Failures, Has.Exactly(1).Contains("got no 503").And.Contains("429"));
    }

    [Test]
    public async Task A_slow_service_fails_the_response_time_of_each_check()
    {
        var result = await RunAgainst(new StoryApiBehaviour { Delay = TimeSpan.FromMilliseconds(400), RateLimit = false }, s => s with { ResponseTimeLimit = TimeSpan.FromMilliseconds(200), Checks = ExampleChecks.WithBurst(5) });

        Assert.That(result.Checks.Where(c => c.Name.Contains("health", StringComparison.Ordinal)).Select(c => c.Passed), Is.All.False);
        Assert.That(result.Failures, Has.Some.Contains("over the 200 ms limit"));
    }

    [Test]
    public async Task An_unreachable_service_fails_every_check_as_could_not_run()
    {
        Uri gone;
        await using (var server = await StoryApiStandIn.StartAsync(new StoryApiBehaviour()))
        {
            gone = server.BaseUrl;
        }

        var result = await new SmokeSuite(new RecordingLog()).RunAsync(new SmokeSettings(gone) { Checks = ExampleChecks.WithBurst(3) });

        Assert.That(result.Checks.Select(c => c.Passed), Is.All.False);
        Assert.That(result.Failures, Has.All.Contains("could not run"));
    }

    [Test]
    public async Task The_result_is_written_as_json_with_each_failed_check()
    {
        var result = await RunAgainst(new StoryApiBehaviour { RateLimit = false });
        var artifacts = new ArtifactWriter(Path.Combine(Path.GetTempPath(), "smoke-" + Guid.NewGuid().ToString("N")), new SecretRedactor());

        var text = File.ReadAllText(result.WriteJson(artifacts));

        Assert.That(text, Does.Contain("\"passed\": false").And.Contain("rate limiting"));
        Directory.Delete(artifacts.Root, true);
    }
}
