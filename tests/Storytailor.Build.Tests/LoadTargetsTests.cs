using System.Text.Json;
using Storytailor.Core;
using Storytailor.Load;

namespace Storytailor.Build.Tests;

/// <summary>
/// ./build.sh --target=SmokeTests / SecurityTests / LoadTest / PerformanceBaseline against the example's
/// router, built once in a temporary copy and started locally: once with the example's own limits (a
/// correct service) and once deliberately misconfigured (rate limit out of reach, a foreign origin allowed).
/// </summary>
[TestFixture]
[Category("EndToEnd")]
[NonParallelizable]
public sealed class LoadTargetsTests
{
    private const string ApiKey = "canary-4b9e17d2-load-api-key";

    private TemporaryFolder _workspace = null!;
    private string _app = null!;
    private LocalAppServer _correct = null!;
    private LocalAppServer _broken = null!;

    [OneTimeSetUp]
    public async Task BuildTheExampleAndStartItsRouterTwice()
    {
        _workspace = new TemporaryFolder("storytailor-load-");
        _app = Path.Combine(_workspace.Path, "app");
        Run("cp", "-a", BuildProgram.ExampleApp, _app);
        foreach (var generated in new[] { "node_modules", "coverage" }.Select(f => Path.Combine(_app, f))
            .Concat(Directory.GetDirectories(Path.Combine(_app, "packages")).SelectMany(p => new[] { Path.Combine(p, "dist"), Path.Combine(p, "node_modules") })))
        {
            if (Directory.Exists(generated))
            {
                Directory.Delete(generated, recursive: true);
            }
        }

        Run("npm", "ci", "--no-audit", "--no-fund");
        Run("npm", "run", "build");

        var log = new RecordingLog();
        _correct = await LocalAppServer.StartAsync("node", _app, "packages/router/dist/server.js", new Dictionary<string, string> { ["API_KEY"] = ApiKey }, TimeSpan.FromSeconds(30), log, new SecretRedactor());
        _broken = await LocalAppServer.StartAsync(
            "node",
            _app,
            "packages/router/dist/server.js",
            new Dictionary<string, string>
            {
                ["API_KEY"] = ApiKey,
                ["RATE_LIMIT_BURST"] = "1000000",
                ["RATE_LIMIT_PER_SECOND"] = "1000000",
                ["CORS_ALLOWED_ORIGINS"] = "https://storytailor.com,https://evil.example",
            },
            TimeSpan.FromSeconds(30),
            log,
            new SecretRedactor());
    }

    [OneTimeTearDown]
    public async Task StopTheRouters()
    {
        if (_correct is not null)
        {
            await _correct.DisposeAsync();
        }

        if (_broken is not null)
        {
            await _broken.DisposeAsync();
        }

        _workspace.Dispose();
    }

    [Test]
    public void SmokeTests_pass_against_a_correct_service_with_a_table_and_a_json_report()
    {
        var artifacts = Artifacts("smoke-pass");

        var run = Build("--target=SmokeTests", $"--base-url={_correct.BaseUrl}", $"--artifacts={artifacts}", "--smoke-response-limit=10000");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("API key from API_KEY_STAGING"));
        Assert.That(run.Output, Does.Match(@"rate limiting\s+│ pass"));
        Assert.That(run.Output, Does.Match(@"SmokeTests\s+\d\d:\d\d:\d\d\.\d+\s+Succeeded"));
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(artifacts, "smoke", "smoke-tests.json")));
        Assert.That(report.RootElement.GetProperty("passed").GetBoolean(), Is.True);
        AssertNoKey(run, artifacts);
    }

    [Test]
    public void SmokeTests_fail_with_exit_1_naming_each_failed_check_against_a_misconfigured_service()
    {
        var artifacts = Artifacts("smoke-fail");

        var run = Build("--target=SmokeTests", $"--base-url={_broken.BaseUrl}", $"--artifacts={artifacts}");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("SmokeTests failed:"));
        Assert.That(run.Output, Does.Contain("Smoke check 'rate limiting' failed: a burst of 60 requests to /health got no 429"));
        Assert.That(run.Output, Does.Contain("Smoke check 'CORS disallowed origin' failed"));
        Assert.That(File.ReadAllText(Path.Combine(artifacts, "smoke", "smoke-tests.json")), Does.Contain("\"passed\": false"));
        AssertNoKey(run, artifacts);
    }

    [Test]
    public void SmokeTests_refuse_to_start_without_the_environments_API_key()
    {
        var run = BuildProgram.Run(
            BuildProgram.RepositoryRoot,
            new Dictionary<string, string?> { ["API_KEY_PROD"] = null, ["API_KEY_STAGING"] = ApiKey },
            "--target=SmokeTests", "--environment=production", $"--base-url={_correct.BaseUrl}", $"--artifacts={Artifacts("smoke-nokey")}");

        Assert.That(run.ExitCode, Is.Not.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("Missing 1 required secret(s) for SmokeTests: API_KEY_PROD"));
        Assert.That(run.Output, Does.Not.Contain("SmokeTests failed"), "no request was sent");
    }

    [Test]
    public void SecurityTests_pass_against_the_example_and_report_ZAP_as_skipped()
    {
        var artifacts = Artifacts("security");

        var run = Build("--target=SecurityTests", $"--base-url={_correct.BaseUrl}", $"--artifacts={artifacts}");
        var required = Build("--target=SecurityTests", $"--base-url={_correct.BaseUrl}", $"--artifacts={artifacts}-zap", "--require-zap=true");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("ZAP not available: skipped"));
        Assert.That(run.Output, Does.Match(@"POST /v1/stories refuses unauthenticated requests\s+│ pass"));
        Assert.That(File.Exists(Path.Combine(artifacts, "security", "security-tests.json")));
        Assert.That(required.ExitCode, Is.EqualTo(1), required.ToString());
        Assert.That(required.Output, Does.Contain("SecurityTests failed:").And.Contain("ZAP baseline scan: ZAP not available"));
    }

    [Test]
    public void LoadTest_runs_the_scenario_with_the_engine_writes_the_summary_and_passes()
    {
        var artifacts = Artifacts("load-pass");

        // The threshold is far above anything a local router needs, so a busy machine cannot fail it.
        var run = Build("--target=LoadTest", $"--base-url={_broken.BaseUrl}", $"--artifacts={artifacts}", "--load-profile=baseline", "--load-duration=2", "--load-rate=20", "--load-thresholds=http_req_duration: max<60000");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("with the built-in engine (k6 is not on PATH)"));
        Assert.That(run.Output, Does.Match(@"\[baseline\] \d+s elapsed"), "plain progress lines when the output is redirected");
        Assert.That(run.Output, Does.Match(@"http_req_duration: max<60000\s+│ pass"));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(artifacts, "load", "baseline.json")));
        Assert.That(summary.RootElement.GetProperty("counts").GetProperty("requests").GetInt64(), Is.EqualTo(40));
        Assert.That(summary.RootElement.GetProperty("counts").GetProperty("failed").GetInt64(), Is.Zero, "the create-story requests carry the API key");
        AssertNoKey(run, artifacts);
    }

    [Test]
    public void LoadTest_fails_with_exit_1_naming_each_failed_threshold_and_its_observed_value()
    {
        // The example's own rate limit (20 burst, 10/s) answers most of 50 req/s with 429.
        var run = Build("--target=LoadTest", $"--base-url={_correct.BaseUrl}", $"--artifacts={Artifacts("load-fail")}", "--load-profile=baseline", "--load-duration=1");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Match(@"LoadTest failed:\s+Threshold failed: http_req_failed: rate<0.01 FAILED \(observed 0\.\d+\)"));
        Assert.That(run.Output, Does.Contain("HTTP 429"));
    }

    [TestCase("--load-thresholds=http_req_duration: p95<800", "Invalid value for --load-thresholds: Threshold 'http_req_duration: p95<800' is malformed")]
    [TestCase("--load-thresholds=http_req_latency: p(95)<800", "unknown metric 'http_req_latency'")]
    [TestCase("--base-url=ftp://example", "Invalid value for --base-url")]
    public void A_malformed_setting_is_a_configuration_error_with_exit_2(string argument, string message)
    {
        var run = Build("--target=LoadTest", argument, $"--artifacts={Artifacts("malformed")}");

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.Contain(message));
        Assert.That(run.Output, Does.Not.Contain("Load test '"), "nothing ran");
    }

    [Test]
    public void An_unknown_load_profile_fails_before_any_request_naming_the_known_profiles()
    {
        var run = Build("--target=LoadTest", $"--base-url={_correct.BaseUrl}", $"--artifacts={Artifacts("profile")}", "--load-profile=soak");

        Assert.That(run.ExitCode, Is.Not.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("Unknown load profile 'soak'; known profiles: baseline, production, staging."));
        Assert.That(run.Output, Does.Not.Contain("finished:"), "no load was applied");
    }

    [Test]
    public void PerformanceBaseline_starts_the_built_router_measures_it_and_warns_on_a_regression()
    {
        var artifacts = Artifacts("baseline");
        var previous = Path.Combine(_workspace.Path, "previous-baseline.json");
        File.WriteAllText(previous, """{ "latency": { "p95Ms": 0.001 } }""");

        var run = Build(
            "--target=PerformanceBaseline", "--skip=Restore,Compile", $"--app-root={_app}", $"--artifacts={artifacts}",
            "--baseline-rate=20", "--baseline-duration=2", "--baseline-p95-limit=60000", $"--previous-baseline={previous}");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("p95 regressed by").And.Contain("0.0 ms ->"));
        Assert.That(run.Output, Does.Match(@"PerformanceBaseline\s+\d\d:\d\d:\d\d\.\d+\s+Succeeded"));
        using var baseline = JsonDocument.Parse(File.ReadAllText(Path.Combine(artifacts, "performance", "baseline.json")));
        Assert.That(baseline.RootElement.GetProperty("counts").GetProperty("requests").GetInt64(), Is.EqualTo(40));
    }

    private string Artifacts(string name) => Path.Combine(_workspace.Path, "artifacts-" + name);

    private static BuildRun Build(params string[] args) =>
        BuildProgram.Run(BuildProgram.RepositoryRoot, new Dictionary<string, string?> { ["API_KEY_STAGING"] = ApiKey, ["CI"] = "true" }, args);

    private static void AssertNoKey(BuildRun run, string artifacts)
    {
        Assert.That(run.Output, Does.Not.Contain(ApiKey));
        foreach (var file in Directory.GetFiles(artifacts, "*", SearchOption.AllDirectories))
        {
            Assert.That(File.ReadAllText(file), Does.Not.Contain(ApiKey), file);
        }
    }

    private void Run(string tool, params string[] args)
    {
        var run = BuildProgram.Start(tool, args, _app is not null && Directory.Exists(_app) ? _app : BuildProgram.RepositoryRoot, null, TimeSpan.FromMinutes(5));
        Assert.That(run.ExitCode, Is.EqualTo(0), $"{tool} {string.Join(' ', args)}: {run}");
    }
}
