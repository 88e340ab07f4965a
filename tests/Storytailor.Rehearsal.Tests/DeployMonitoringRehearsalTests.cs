using System.Text.Json;
using Storytailor.FakeAws;

namespace Storytailor.Rehearsal.Tests;

/// <summary>
/// The monitoring window and the cleanup guard rehearsed end to end: metrics published (or not) by the public front door
/// as API Gateway would, a breach that opens in the window's last sample, and a rollback onto a destroyed colour whose
/// function runs other code.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
[NonParallelizable]
public sealed class DeployMonitoringRehearsalTests
{
    private DeployRehearsal _rehearsal = null!;

    [OneTimeSetUp]
    public void Prepare() => _rehearsal = RehearsalAssembly.Shared;

    [Test]
    public async Task No_metrics_at_all_never_passes_the_window_and_nothing_is_cleaned_up()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("no-metrics");
        rehearsal.FrontDoor.PublishedColours.Clear();
        rehearsal.Fake.CloudWatch.ClearPublished();

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=rehearsal of missing metrics");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("the colour serves no traffic, or the metrics are not where the build looks (HTTP API ApiId=storytailor-production-green, Stage=v1)"));
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.BlueEndpoint), "back on blue");
        Assert.That(rehearsal.StateOf("prod-blue"), Is.Not.Empty, "blue kept");
        var record = rehearsal.Ledger().Single().RootElement;
        Assert.That(record.GetProperty("outcome").GetString(), Is.EqualTo("RolledBack"));
        Assert.That(record.GetProperty("reason").GetString(), Does.Contain("metrics are not where the build looks"));
        Assert.That(run.Output, Does.Contain("database migrations are not reverted: 20240101000000_users.sql,"), "the automatic rollback names the migrations this release applied");
        Assert.That(Facts(record, "rollback"), Has.Some.StartsWith("database migrations are not reverted: 20240101000000_users.sql,"));
        Assert.That(Steps(record), Does.Not.Contain("cleanup"));
        Assert.That(Facts(record, "monitoring"), Has.Some.Contains("requests no data (0 points; limit > 0; rule: breaching after 2 samples"));
    }

    [Test]
    public async Task The_old_colours_traffic_unknown_keeps_it_and_the_deployment_says_why()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("old-colour-unknown");
        // Blue's requests are not where the build looks: none were ever published under its API.
        rehearsal.FrontDoor.PublishedColours.Remove("blue");
        rehearsal.Fake.CloudWatch.ClearPublished();

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=rehearsal of an unknown old colour");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("old colour blue kept: the traffic of blue is unknown: CloudWatch has no request count for HTTP API ApiId=storytailor-production-blue"));
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.GreenEndpoint));
        Assert.That(rehearsal.StateOf("prod-blue"), Is.Not.Empty, "blue kept idle");
        var record = rehearsal.Ledger().Single().RootElement;
        Assert.That(record.GetProperty("outcome").GetString(), Is.EqualTo("Succeeded"));
        var cleanup = record.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "cleanup");
        Assert.That(cleanup.GetProperty("outcome").GetString(), Is.EqualTo("Skipped"));
        Assert.That(Facts(record, "cleanup"), Has.Some.StartsWith("NO: the traffic of blue is unknown"));
        Assert.That(Facts(record, "monitoring"), Has.Some.Matches(@"^sample \d+: healthy \[.*requests \d+ \(\d+ points?; limit > 0\): ok"));
        Assert.That(run.Output, Does.Contain("Note: cold starts not measured: storytailor-production-green-router, storytailor-production-green-universal-agent publish no Lambda Insights metrics and Logs Insights could not read"));
    }

    [Test]
    public async Task A_breach_that_opens_in_the_last_sample_extends_the_window_and_rolls_back()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("last-sample");
        rehearsal.ExtraEnvironment["AWS_MAX_ATTEMPTS"] = "1";
        // The 3 s window has 3 samples: the first two read their metrics, the third and the extension cannot.
        rehearsal.Fake.Faults.Pass("GetMetricData", 2);
        rehearsal.Fake.Faults.ServerError("GetMetricData", 2);

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=rehearsal of a late breach");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.BlueEndpoint), "rolled back");
        var record = rehearsal.Ledger().Single().RootElement;
        Assert.That(record.GetProperty("outcome").GetString(), Is.EqualTo("RolledBack"));
        var facts = Facts(record, "monitoring");
        Assert.That(facts, Has.Some.Matches(@"^sample 3: BREACH 1/2 \[").And.Some.Matches(@"^sample 4: BREACH 2/2 \[.*, extension\]: .*metrics could not be read"));
        Assert.That(facts, Has.Some.StartsWith("extension: 1s of at most 5m"));
        Assert.That(record.GetProperty("reason").GetString(), Does.Contain("the window was extended by 1s (bound 5m)"));
        Assert.That(rehearsal.StateOf("prod-blue"), Is.Not.Empty, "blue kept");
    }

    [Test]
    public async Task Rollback_onto_a_destroyed_colour_whose_function_runs_other_code_stops_before_the_switch_naming_both_hashes()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("rollback-other-code");
        var deploy = rehearsal.Build("--target=DeployProduction", "--tag=v1.0.0", "--skip-tests", "--reason=rehearsal setup");
        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
        Assert.That(rehearsal.StateOf("prod-blue"), Is.Empty, "blue was cleaned up");
        const string Other = "b3RoZXIgY29kZSB0aGFuIHRoZSByZWxlYXNlIGtub3dz";
        rehearsal.Fake.Lambda.PutFunction(new FakeFunction("storytailor-production-blue-router") { CodeSha256 = Other });
        var expected = _rehearsal.CodeSha256.Single(p => p.Key.EndsWith("/router", StringComparison.Ordinal)).Value;
        var changes = rehearsal.Fake.Route53.Changes.Count;

        var rollback = rehearsal.Build("--target=Rollback", "--environment=production", "--to-version=v1.0.0");

        Assert.That(rollback.ExitCode, Is.EqualTo(1), rollback.ToString());
        Assert.That(rollback.Output, Does.Contain("failed at 'verify-functions'").And.Contain($"storytailor-production-blue-router: runs CodeSha256 {Other}, but the artifact's is {expected}"));
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.GreenEndpoint), "still on green");
        Assert.That(rehearsal.Fake.Route53.Changes, Has.Count.EqualTo(changes), "no switch");
        var record = rehearsal.Ledger().Select(r => r.RootElement).Single(r => r.GetProperty("kind").GetString() == "Rollback");
        Assert.That(record.GetProperty("outcome").GetString(), Is.EqualTo("Failed"));
        Assert.That(Steps(record), Is.EqualTo(new[] { "preflight", "apply", "verify-functions" }), "no test ran and no switch was made against other code");
    }

    private static string[] Steps(JsonElement record) => [.. record.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()!)];

    private static string[] Facts(JsonElement record, string step) =>
        [.. record.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("name").GetString() == step).GetProperty("facts").EnumerateArray().Select(f => f.GetString()!)];
}
