using System.Text.Json;
using Storytailor.Core;

namespace Storytailor.Load.Tests;

public class PerformanceBaselineTests
{
    private string _root = null!;
    private ArtifactWriter _artifacts = null!;

    [SetUp]
    public void CreateFolders()
    {
        _root = Directory.CreateTempSubdirectory("baseline-").FullName;
        _artifacts = new ArtifactWriter(Path.Combine(_root, "artifacts"), new SecretRedactor());
    }

    [TearDown]
    public void RemoveFolders() => Directory.Delete(_root, true);

    /// <summary>A tiny node service standing in for the built app: answers /health and records its pid.</summary>
    private string WriteNodeApp(int delayMs)
    {
        var app = Path.Combine(_root, "app");
        Directory.CreateDirectory(Path.Combine(app, "packages/router/dist"));
        File.WriteAllText(Path.Combine(app, "packages/router/dist/server.js"), $$"""
            const http = require("node:http");
            require("node:fs").writeFileSync("pid", String(process.pid));
            http.createServer((req, res) => {
              const done = () => { res.writeHead(200, { "content-type": "application/json" }); res.end('{"status":"ok"}'); };
              if (req.url === "/health" || {{delayMs}} === 0) done(); else setTimeout(done, {{delayMs}});
            }).listen(Number(process.env.PORT), process.env.HOST);
            """);
        Directory.CreateDirectory(Path.Combine(app, "testing/load"));
        File.WriteAllText(Path.Combine(app, "testing/load/scenarios.yml"), "requests:\n  - path: /work\n");
        return app;
    }

    /// <summary>
    /// A short run. The p95 gate is set far above what the stand-in needs so a busy machine cannot fail
    /// the runs that must pass; the test of the gate itself uses a deliberately slow service.
    /// </summary>
    private static PerformanceBaselineSettings Quick(string app) => new(app) { Services = [Router], Rate = 40, Duration = TimeSpan.FromSeconds(1.5), WarmUp = TimeSpan.FromSeconds(0.5), P95LimitMs = 10_000 };

    private static readonly LocalServiceStart Router = new("router", ["node", "packages/router/dist/server.js"]);

    private static bool Running(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [Test]
    public async Task Measures_the_local_service_writes_the_baseline_and_stops_the_service()
    {
        var app = WriteNodeApp(5);

        var result = await new PerformanceBaselineService(new RecordingLog(), _artifacts, new SecretRedactor()).RunAsync(Quick(app));

        Assert.That(result.Passed, Is.True, string.Join("\n", result.Failures));
        using var baseline = JsonDocument.Parse(File.ReadAllText(_artifacts.PathOf("performance/baseline.json")));
        Assert.That(baseline.RootElement.GetProperty("latency").GetProperty("p95Ms").GetDouble(), Is.GreaterThanOrEqualTo(5));
        Assert.That(baseline.RootElement.GetProperty("counts").GetProperty("requests").GetInt64(), Is.EqualTo(60).Within(2));
        Assert.That(Running(int.Parse(File.ReadAllText(Path.Combine(app, "pid")), System.Globalization.CultureInfo.InvariantCulture)), Is.False, "the service is stopped afterwards");
    }

    [Test]
    public async Task Warns_when_p95_regressed_against_the_previous_baseline()
    {
        var previous = Path.Combine(_root, "previous.json");
        File.WriteAllText(previous, """{ "latency": { "p95Ms": 10.0 } }""");
        var log = new RecordingLog();

        var result = await new PerformanceBaselineService(log, _artifacts, new SecretRedactor()).RunAsync(Quick(WriteNodeApp(60)) with { PreviousBaselinePath = previous });

        Assert.That(result.Passed, Is.True, "a regression warns, it does not fail the gate");
        Assert.That(result.P95ChangePercent, Is.GreaterThan(20));
        Assert.That(result.Warnings.Single(), Does.Contain("p95 regressed by").And.Contain("10.0 ms ->"));
        Assert.That(log.Text, Does.Contain("warning: p95 regressed"));
    }

    [Test]
    public async Task Fails_the_gate_when_p95_is_over_the_limit_and_still_stops_the_service()
    {
        var app = WriteNodeApp(120);

        var result = await new PerformanceBaselineService(new RecordingLog(), _artifacts, new SecretRedactor()).RunAsync(Quick(app) with { P95LimitMs = 100 });

        Assert.That(result.Passed, Is.False);
        Assert.That(result.Failures, Has.Some.Contains("http_req_duration: p(95)<100 FAILED"));
        Assert.That(Running(int.Parse(File.ReadAllText(Path.Combine(app, "pid")), System.Globalization.CultureInfo.InvariantCulture)), Is.False);
    }

    [Test]
    public async Task An_app_that_declares_no_local_service_fails_saying_so()
    {
        var result = await new PerformanceBaselineService(new RecordingLog(), _artifacts, new SecretRedactor()).RunAsync(new PerformanceBaselineSettings(_root));

        Assert.That(result.Passed, Is.False);
        Assert.That(result.Failures.Single(), Does.Contain("could not run").And.Contain("no service declares a local start"));
    }

    [Test]
    public async Task A_declared_entry_that_was_not_built_fails_naming_the_service_and_its_command()
    {
        var result = await new PerformanceBaselineService(new RecordingLog(), _artifacts, new SecretRedactor())
            .RunAsync(Quick(_root) with { Services = [new LocalServiceStart("catalog", ["node", "services/catalog/dist/local.js"])] });

        Assert.That(result.Passed, Is.False);
        Assert.That(result.Failures.Single(), Does.Contain("could not run").And.Contain("exited with code").And.Contain("services/catalog/dist/local.js"));
    }

    [Test]
    public async Task Several_services_are_started_each_request_goes_to_the_service_of_its_route_and_all_are_stopped()
    {
        var app = WriteNodeApp(0);
        Directory.CreateDirectory(Path.Combine(app, "other"));
        File.WriteAllText(Path.Combine(app, "other/server.js"), """
            const http = require("node:http");
            const fs = require("node:fs");
            fs.writeFileSync("other.pid", String(process.pid));
            fs.writeFileSync("other.env", process.env.ROUTER_URL + " " + process.env.ORDERS_API_URL);
            let served = 0;
            http.createServer((req, res) => {
              if (req.url.startsWith("/orders")) fs.writeFileSync("other.served", String(++served));
              res.writeHead(200, { "content-type": "application/json" }); res.end('{"status":"ok"}');
            }).listen(Number(process.env.PORT), process.env.HOST);
            """);
        File.WriteAllText(Path.Combine(app, "testing/load/scenarios.yml"), "requests:\n  - path: /work\n  - path: /orders/1\n");
        var other = new LocalServiceStart("orders-api", ["node", "other/server.js"], HealthPath: "/orders/health") { Routes = ["/orders"] };

        var result = await new PerformanceBaselineService(new RecordingLog(), _artifacts, new SecretRedactor()).RunAsync(Quick(app) with { Services = [Router, other] });

        Assert.That(result.Passed, Is.True, string.Join("\n", result.Failures));
        Assert.That(int.Parse(File.ReadAllText(Path.Combine(app, "other.served")), System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(10), "the /orders requests reach the second service");
        Assert.That(File.ReadAllText(Path.Combine(app, "other.env")), Does.Match(@"^http://127\.0\.0\.1:\d+ http://127\.0\.0\.1:\d+$"), "each service gets every service's URL");
        Assert.That(Running(int.Parse(File.ReadAllText(Path.Combine(app, "pid")), System.Globalization.CultureInfo.InvariantCulture)), Is.False);
        Assert.That(Running(int.Parse(File.ReadAllText(Path.Combine(app, "other.pid")), System.Globalization.CultureInfo.InvariantCulture)), Is.False);
    }

    [Test]
    public async Task A_service_that_crashes_on_start_fails_with_its_output()
    {
        var app = WriteNodeApp(0);
        File.WriteAllText(Path.Combine(app, "packages/router/dist/server.js"), "console.error('boom: missing config'); process.exit(4);");

        var result = await new PerformanceBaselineService(new RecordingLog(), _artifacts, new SecretRedactor()).RunAsync(Quick(app));

        Assert.That(result.Passed, Is.False);
        Assert.That(result.Failures.Single(), Does.Contain("could not run").And.Contain("exited with code 4").And.Contain("boom: missing config"));
    }
}
