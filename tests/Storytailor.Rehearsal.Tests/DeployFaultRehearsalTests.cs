using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Storytailor.Build.Tests;
using Storytailor.Deploy;

namespace Storytailor.Rehearsal.Tests;

/// <summary>
/// The fault matrix of DeployProduction beyond the basic cases: a green that is only too slow, AWS throttling,
/// Slack down, the ledger store down at the start and in the middle. Each ends in a safe, recorded state.
/// </summary>
public sealed partial class DeployProductionRehearsalTests
{
    [Test]
    public async Task Green_failing_only_the_load_threshold_stops_before_the_switch()
    {
        // Green answers every request correctly, 250 ms late: smoke (10 s limit here) and probes pass, p95 < 100 ms does not.
        await using var slowGreen = await PublicFrontDoor.StartAsync(() => _rehearsal.Green.BaseUrl, TimeSpan.FromMilliseconds(250));
        await using var rehearsal = await _rehearsal.StartCaseAsync("green-slow", slowGreen.Url);

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", "--load-thresholds=http_req_duration: p(95)<100");

        var record = StoppedAtTestsWithBlueLive(run, rehearsal);
        var reason = record.GetProperty("reason").GetString();
        Assert.That(reason, Does.Contain("p(95)<100").And.Contain("FAILED"), "the threshold that failed, with its measured value");
        Assert.That(reason, Does.Not.Contain("smoke"), "only the load threshold failed");
    }

    [Test]
    public async Task Green_running_other_code_than_the_artifact_stops_at_verify_functions()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("wrong-code");
        const string Other = "c3RhbGUgY29kZSBmcm9tIGFuIGVhcmxpZXIgYnVpbGQ=";
        rehearsal.Fake.Lambda.PutFunction(new Storytailor.FakeAws.FakeFunction("storytailor-production-green-router") { CodeSha256 = Other });

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("failed at 'verify-functions'").And.Contain($"storytailor-production-green-router: runs CodeSha256 {Other}, but the artifact's is"));
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.BlueEndpoint));
        Assert.That(rehearsal.Fake.Route53.Changes, Is.Empty, "no DNS change was made");
        var record = rehearsal.Ledger().Single().RootElement;
        Assert.That(record.GetProperty("outcome").GetString(), Is.EqualTo("Failed"));
        Assert.That(Steps(record).Last(), Is.EqualTo("verify-functions"), "no test ran against code that is not the release");
    }

    [Test]
    public async Task Throttling_bursts_on_every_AWS_service_are_absorbed_and_the_deployment_succeeds()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("throttled");
        string[] operations = ["PutObject", "ListObjectsV2", "ListResourceRecordSets", "ChangeResourceRecordSets", "GetChange", "GetFunctionConfiguration", "Invoke", "GetMetricData", "DescribeAlarms"];
        foreach (var operation in operations)
        {
            rehearsal.Fake.Faults.Throttle(operation, 2);
        }

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=rehearsal of throttling");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(rehearsal.Fake.Faults.Pending, Is.Zero, "every operation met its burst");
        var throttled = rehearsal.Fake.Requests.Where(r => r.StatusCode is 400 or 429 or 503).Select(r => r.Operation).ToList();
        Assert.That(operations.Where(o => throttled.Count(t => t == o) < 2), Is.Empty, "each operation was answered 'slow down' twice, then retried");
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.GreenEndpoint));
        Assert.That(rehearsal.StateOf("prod-blue"), Is.Empty);
        Assert.That(rehearsal.Ledger().Single().RootElement.GetProperty("outcome").GetString(), Is.EqualTo("Succeeded"));
    }

    [Test]
    public async Task A_throttling_burst_longer_than_the_retries_fails_the_switch_and_leaves_blue_live()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("throttled-switch");
        rehearsal.ExtraEnvironment["AWS_MAX_ATTEMPTS"] = "3";
        rehearsal.Fake.Faults.Throttle("ChangeResourceRecordSets", 3);

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=rehearsal of a long throttling burst");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("failed at 'switch'").And.Contain("Throttling").And.Contain("the live colour is still blue"));
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.BlueEndpoint));
        Assert.That(rehearsal.StateOf("prod-blue"), Is.Not.Empty, "blue untouched");
        var record = rehearsal.Ledger().Single().RootElement;
        Assert.That(record.GetProperty("outcome").GetString(), Is.EqualTo("Failed"));
        Assert.That(Steps(record).Last(), Is.EqualTo("switch"));
        Assert.That(rehearsal.HeldLock(), Is.Null, "lock released");
    }

    [Test]
    public async Task Slack_down_never_fails_or_blocks_the_deployment()
    {
        await using var slack = await SlackDown.StartAsync();
        await using var rehearsal = await _rehearsal.StartCaseAsync("slack-down");
        rehearsal.ExtraEnvironment["SLACK_WEBHOOK_URL"] = slack.Url;

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=rehearsal of Slack down");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.GreenEndpoint));
        Assert.That(run.Output, Does.Contain("Slack: the Started notice for v1.1.0 to 'production' was not delivered after 3 attempt(s)").And.Contain("The deployment continues."));
        Assert.That(run.Output, Does.Contain("Slack: the Succeeded notice"));
        Assert.That(slack.Requests, Is.EqualTo(6), "start and success, 3 attempts each");
        Assert.That(run.Output, Does.Not.Contain(slack.Url), "the webhook URL is a secret");
    }

    [Test]
    public async Task The_ledger_store_down_at_the_start_stops_the_deployment_before_anything_changes()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("ledger-down");
        rehearsal.ExtraEnvironment["AWS_MAX_ATTEMPTS"] = "2";
        rehearsal.Fake.Faults.ServerError("PutObject", 100, "/ledger/");

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("The ledger store is unavailable: the deployment did not start (nothing changed)."));
        Assert.That(rehearsal.Fake.Route53.Changes, Is.Empty);
        Assert.That(rehearsal.StateOf("prod-green"), Is.Empty, "nothing applied");
        Assert.That(rehearsal.HeldLock(), Is.Null, "lock released");
        var local = Directory.GetFiles(Path.Combine(_rehearsal.Artifacts, "ledger", "production"), "*.json").Select(File.ReadAllText).ToList();
        Assert.That(local.Any(r => r.Contains("the ledger store is unavailable", StringComparison.Ordinal)), Is.True, "the local copy records why");
    }

    [Test]
    public async Task The_ledger_store_down_mid_deployment_costs_nothing_and_the_store_gets_the_whole_record_back()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("ledger-flaky");
        rehearsal.ExtraEnvironment["AWS_MAX_ATTEMPTS"] = "2";
        var injected = 0;
        rehearsal.Fake.BeforeResponse = (handled, _) =>
        {
            // Once apply is recorded, the store fails the next two ledger writes (2 attempts each).
            if (handled.Operation == "PutObject" && handled.Request.RawPath.Contains("/ledger/", StringComparison.Ordinal)
                && StepBoundary.EndsWithFinished(handled.Request.Body, DeploymentSteps.Apply) && Interlocked.Exchange(ref injected, 1) == 0)
            {
                rehearsal.Fake.Faults.ServerError("PutObject", 4, "/ledger/");
            }

            return Task.CompletedTask;
        };

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=rehearsal of the ledger store down");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(rehearsal.Fake.Faults.Pending, Is.Zero, "the outage happened");
        Assert.That(run.Output, Does.Contain("Ledger: the store was unavailable"));
        var record = rehearsal.Ledger().Single().RootElement;
        Assert.That(record.GetProperty("outcome").GetString(), Is.EqualTo("Succeeded"));
        Assert.That(Steps(record), Is.EqualTo(new[] { "preflight", "upload", "migrations", "apply", "verify-functions", "warmup", "tests", "switch", "monitoring", "cleanup" }), "no step lost");
        Assert.That(record.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()), Has.Some.Contains("the store was unavailable"));
    }

    [Test]
    public async Task Rollback_after_the_old_colour_was_destroyed_redeploys_its_version_tests_it_then_switches()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("rollback-destroyed");
        var first = rehearsal.Build("--target=DeployProduction", "--tag=v1.0.0", "--skip-tests", "--reason=rehearsal setup");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var second = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=rehearsal setup");
        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.BlueEndpoint), "v1.1.0 went to blue");
        Assert.That(rehearsal.StateOf("prod-green"), Is.Empty, "green (v1.0.0) was cleaned up");

        var dryRun = rehearsal.Build("--target=Rollback", "--environment=production", "--dry-run");
        Assert.That(dryRun.ExitCode, Is.EqualTo(0), dryRun.ToString());
        Assert.That(dryRun.Output, Does.Contain("green (prod-green) was cleaned up: deploy v1.0.0 to it, then pre-promotion tests."));
        Assert.That(rehearsal.StateOf("prod-green"), Is.Empty, "the dry run applied nothing");
        rehearsal.FrontDoor.StartClient();
        var rollback = rehearsal.Build("--target=Rollback", "--environment=production");
        await rehearsal.FrontDoor.StopClientAsync();

        Assert.That(rollback.ExitCode, Is.EqualTo(0), rollback.ToString());
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.GreenEndpoint), "back on green");
        Assert.That(rehearsal.StateOf("prod-green"), Is.Not.Empty, "green re-deployed");
        Assert.That(rehearsal.FrontDoor.ClientFailures, Is.Zero, string.Join("; ", rehearsal.FrontDoor.FailureSamples));
        var record = rehearsal.Ledger().Select(r => r.RootElement).Single(r => r.GetProperty("outcome").GetString() == "RolledBack");
        Assert.That(record.GetProperty("version").GetString(), Is.EqualTo("v1.0.0"));
        Assert.That(Steps(record), Is.EqualTo(new[] { "preflight", "apply", "verify-functions", "warmup", "tests", "rollback" }), "re-deployed, verified and tested before the switch");
        Assert.That(record.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "tests").GetProperty("outcome").GetString(), Is.EqualTo("Succeeded"), "the pre-promotion tests ran");
        Assert.That(rehearsal.StateOf("prod-blue"), Is.Not.Empty, "blue (v1.1.0) is kept for inspection");
    }

    /// <summary>A Slack incoming webhook that is down: every post gets 503.</summary>
    private sealed class SlackDown : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _requests;

        private SlackDown(WebApplication app) => _app = app;

        public string Url { get; private set; } = string.Empty;

        public int Requests => Volatile.Read(ref _requests);

        public static async Task<SlackDown> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var slack = new SlackDown(app);
            app.Run(context =>
            {
                Interlocked.Increment(ref slack._requests);
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return context.Response.WriteAsync("service unavailable");
            });
            await app.StartAsync();
            slack.Url = app.Urls.First().TrimEnd('/') + "/services/T000/B000/rehearsal-webhook-secret";
            return slack;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
