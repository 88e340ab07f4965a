using Storytailor.Core;

namespace Storytailor.Load.Tests;

/// <summary>Against the real example app (built in place with npm run build; nothing is written to it).</summary>
[Category("EndToEnd")]
public class ExampleAppEndToEndTests
{
    private static string Root => ScenarioFileTests.ExampleRoot;

    private static void RequireBuiltApp()
    {
        if (!File.Exists(Path.Combine(Root, "packages/router/dist/server.js")))
        {
            Assert.Fail("example app not built: run 'npm ci --prefix example && npm run build --prefix example' (.ci/run does)");
        }
    }

    private static Task<LocalAppServer> StartRouter(IReadOnlyDictionary<string, string> environment) =>
        LocalAppServer.StartAsync("node", Root, "packages/router/dist/server.js", environment, TimeSpan.FromSeconds(20), new RecordingLog(), new SecretRedactor());

    [Test]
    public async Task Performance_baseline_passes_against_the_example_router()
    {
        RequireBuiltApp();
        var folder = Directory.CreateTempSubdirectory("baseline-e2e-").FullName;
        var artifacts = new ArtifactWriter(folder, new SecretRedactor());

        var result = await new PerformanceBaselineService(new RecordingLog(), artifacts, new SecretRedactor())
            .RunAsync(new PerformanceBaselineSettings(Root) { Services = [new LocalServiceStart("router", ["node", "packages/router/dist/server.js"])], Rate = 50, Duration = TimeSpan.FromSeconds(2), WarmUp = TimeSpan.FromSeconds(1), P95LimitMs = 10_000 });

        Assert.That(result.Passed, Is.True, string.Join("\n", result.Failures));
        Assert.That(result.Load!.Errors, Is.Empty, "the scenario's create-story request is authorised with the generated key");
        Directory.Delete(folder, true);
    }

    [Test]
    public async Task Smoke_suite_and_security_probes_pass_against_the_example_router()
    {
        RequireBuiltApp();
        await using var router = await StartRouter(new Dictionary<string, string> { ["API_KEY"] = "e2e-key-123", ["RATE_LIMIT_BURST"] = "20", ["RATE_LIMIT_PER_SECOND"] = "10" });
        var log = new RecordingLog();

        var security = await new SecurityProbes(log, new CommandRunner(log, new SecretRedactor())).RunAsync(new SecuritySettings(router.BaseUrl) { ProtectedRoutes = ExampleChecks.Declared.ProtectedRoutes });
        var smoke = await new SmokeSuite(log).RunAsync(new SmokeSettings(router.BaseUrl) { ResponseTimeLimit = TimeSpan.FromSeconds(10), Checks = ExampleChecks.Declared });

        Assert.That(security.ProbesPassed, Is.True, string.Join("\n", security.Failures));
        Assert.That(smoke.Passed, Is.True, string.Join("\n", smoke.Failures));
    }

    [Test]
    public async Task Smoke_suite_fails_against_a_broken_copy_without_rate_limiting_and_with_a_foreign_origin_allowed()
    {
        RequireBuiltApp();
        // "Broken" configuration of the real service: a limit the burst cannot reach, and every origin allowed.
        await using var router = await StartRouter(new Dictionary<string, string> { ["RATE_LIMIT_BURST"] = "100000", ["CORS_ALLOWED_ORIGINS"] = "https://storytailor.com,https://evil.example" });

        var smoke = await new SmokeSuite(new RecordingLog()).RunAsync(new SmokeSettings(router.BaseUrl) { ResponseTimeLimit = TimeSpan.FromSeconds(10), Checks = ExampleChecks.Declared });

        Assert.That(smoke.Failures, Has.Exactly(2).Items);
        Assert.That(smoke.Failures, Has.Some.Contains("'rate limiting'").And.Some.Contains("'CORS disallowed origin'"));
    }
}
