using System.Text.Json;
using Storytailor.Build.Tests;
using Storytailor.FakeAws;

namespace Storytailor.Rehearsal.Tests;

/// <summary>
/// DeployProduction rehearsed end to end without AWS: the fake AWS, real Terraform on the example's configuration
/// (local backend), the router running as blue and green, and a client calling the public name throughout.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
[NonParallelizable]
public sealed partial class DeployProductionRehearsalTests
{
    private DeployRehearsal _rehearsal = null!;

    [OneTimeSetUp]
    public void Prepare() => _rehearsal = RehearsalAssembly.Shared;

    [Test]
    public async Task A_successful_deployment_switches_to_green_without_a_failed_request_and_destroys_only_blue()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("success");
        rehearsal.FrontDoor.StartClient();

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0");
        await rehearsal.FrontDoor.StopClientAsync();

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.GreenEndpoint));
        Assert.That(rehearsal.FrontDoor.ClientRequests, Is.GreaterThan(20));
        Assert.That(rehearsal.FrontDoor.ClientFailures, Is.Zero, string.Join("; ", rehearsal.FrontDoor.FailureSamples));
        Assert.That(rehearsal.StateOf("prod-blue"), Is.Empty, "blue destroyed");
        Assert.That(rehearsal.StateOf("prod-green"), Is.Not.Empty, "green kept");
        var record = rehearsal.Ledger().Single().RootElement;
        Assert.That(record.GetProperty("outcome").GetString(), Is.EqualTo("Succeeded"));
        Assert.That(record.GetProperty("colourBefore").GetString(), Is.EqualTo("Blue"));
        Assert.That(record.GetProperty("colourAfter").GetString(), Is.EqualTo("Green"));
        Assert.That(Steps(record), Is.EqualTo(new[] { "preflight", "upload", "migrations", "apply", "verify-functions", "warmup", "tests", "switch", "monitoring", "cleanup" }));
        Assert.That(rehearsal.Fake.S3.Keys(DeployRehearsal.Bucket).Where(k => k.StartsWith("locks/", StringComparison.Ordinal)), Is.Empty, "lock released");
        foreach (var stage in new[] { "AcquireDeploymentLock", "UploadArtifacts", "MigrateProductionDatabase", "DeployIdleColour", "VerifyFunctions", "WarmUp", "TestIdleColour", "SwitchTraffic", "MonitorRelease", "CleanupOldColour", "DeployProduction" })
        {
            Assert.That(run.Output, Does.Match($@"(?m)^\s*{stage}\s+\d\d:\d\d:\d\d\S*\s+Succeeded"), $"the task report lists {stage} with its duration");
        }

        foreach (var gate in DeployRehearsal.GateTargets)
        {
            Assert.That(run.Output, Does.Match($@"(?m)^\s*{gate}\s+-\s+Skipped\s+cached \(key [0-9a-f]{{12}}\)"), $"the Ci gate {gate} passed with these inputs while the rehearsal was prepared");
        }
    }

    [Test]
    public async Task A_release_failing_a_Ci_gate_never_deploys_and_takes_no_lock()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("gate-fails");
        using var advisories = new AdvisoryStandIn(AdvisoryStandIn.Mode.CriticalAdvisory);

        // Another advisory source is another audit input: the cached pass does not hold, the audit runs and finds a critical advisory.
        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", $"--audit-registry={advisories.Url}");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("SecurityAudit failed"));
        Assert.That(run.Output, Does.Match(@"(?m)^\s*Lint\s+-\s+Skipped\s+cached \(key [0-9a-f]{12}\)"), "the gates before it are still cached");
        Assert.That(run.Output, Does.Not.Match(@"(?m)^\s*AcquireDeploymentLock\s+\d\d:"), "no deployment stage ran");
        Assert.That(rehearsal.Fake.MutatingRequests, Is.Empty, string.Join(", ", rehearsal.Fake.MutatingRequests.Select(r => $"{r.Operation} {r.Path}")));
        Assert.That(rehearsal.HeldLock(), Is.Null, "no lock taken");
        Assert.That(rehearsal.Ledger(), Is.Empty, "no ledger record");
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.BlueEndpoint), "the record is unchanged");
        Assert.That(rehearsal.Fake.Route53.Changes, Is.Empty);
    }

    [Test]
    public async Task Green_failing_its_health_check_stops_before_the_switch_and_destroys_nothing()
    {
        var nowhere = new Uri($"http://127.0.0.1:{Storytailor.Load.LocalAppServer.FreePort()}/");
        await using var rehearsal = await _rehearsal.StartCaseAsync("green-down", nowhere);

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0");

        var record = StoppedAtTestsWithBlueLive(run, rehearsal);
        Assert.That(record.GetProperty("reason").GetString(), Does.Contain("tests").And.Contain("health"));
    }

    /// <summary>Asserts a run stopped at the pre-promotion tests without touching blue or DNS; returns its ledger record (Failed).</summary>
    private static JsonElement StoppedAtTestsWithBlueLive(BuildRun run, RehearsalCase rehearsal)
    {
        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("failed at 'tests'").And.Contain("the live colour is still blue"));
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.BlueEndpoint));
        Assert.That(rehearsal.Fake.Route53.Changes, Is.Empty, "no DNS change was made");
        Assert.That(rehearsal.StateOf("prod-blue"), Is.Not.Empty, "blue untouched");
        var record = rehearsal.Ledger().Single().RootElement;
        Assert.That(record.GetProperty("outcome").GetString(), Is.EqualTo("Failed"));
        return record;
    }

    [Test]
    public async Task A_DNS_change_stuck_in_PENDING_is_reverted_and_the_run_fails()
    {
        // Artifacts built by this run, never staged: --skip-tests with its reason deploys them, and the ledger says so.
        await using var rehearsal = await _rehearsal.StartCaseAsync("dns-pending", artifacts: ArtifactSeed.None);
        rehearsal.Fake.Route53.StickNewChangesInPending = true;
        using var release = new CancellationTokenSource();
        var unstick = Task.Run(async () =>
        {
            // Only the switch sticks: once it was submitted, later changes (the revert) go INSYNC.
            while (rehearsal.Fake.Route53.Changes.Count == 0 && !release.IsCancellationRequested)
            {
                await Task.Delay(20);
            }

            rehearsal.Fake.Route53.StickNewChangesInPending = false;
        });

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=rehearsal of the DNS fault");
        await release.CancelAsync();
        await unstick;

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("not INSYNC within 3s").And.Contain("reverted"));
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.BlueEndpoint));
        Assert.That(rehearsal.Fake.Route53.Changes, Has.Count.EqualTo(2), "the switch and its revert");
        Assert.That(rehearsal.StateOf("prod-blue"), Is.Not.Empty);
        var record = rehearsal.Ledger().Single().RootElement;
        Assert.That(record.GetProperty("outcome").GetString(), Is.EqualTo("Failed"));
        Assert.That(record.GetProperty("skipTestsReason").GetString(), Is.EqualTo("rehearsal of the DNS fault"));
        Assert.That(run.Output, Does.Contain("Artifacts: built by this run (Package), because no artifact set is published for"));
        var preflight = record.GetProperty("steps")[0].GetProperty("facts").EnumerateArray().Select(f => f.GetString()).ToList();
        Assert.That(preflight, Has.Some.Contains("artifacts built by this run").And.Contains("NOT passed staging; deployed with --skip-tests: rehearsal of the DNS fault"));
        Assert.That(preflight, Has.Some.EqualTo("Ci gates and pre-promotion tests skipped (--skip-tests): rehearsal of the DNS fault"));
        foreach (var gate in DeployRehearsal.GateTargets)
        {
            Assert.That(run.Output, Does.Contain($"Skipped {gate}: --skip-tests: rehearsal of the DNS fault"), $"--skip-tests skips the Ci gate {gate} too");
        }
    }

    [Test]
    public async Task An_alarm_firing_during_monitoring_rolls_back_to_blue_and_the_ledger_names_it()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("alarm");
        using var stop = new CancellationTokenSource();
        var fire = Task.Run(async () =>
        {
            while (rehearsal.RecordTarget != DeployRehearsal.GreenEndpoint && !stop.IsCancellationRequested)
            {
                await Task.Delay(20);
            }

            rehearsal.Fake.CloudWatch.PutAlarm(new FakeAlarm("storytailor-prod-green-5xx", "ALARM", "Threshold Crossed: 5XX rate 7% > 1%", DateTimeOffset.UtcNow));
        });
        rehearsal.FrontDoor.StartClient();

        // A long window costs nothing here (the rollback ends it) and leaves room for two samples on a slow machine.
        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=rehearsal of the alarm fault", "--monitoring-window=30s");
        await stop.CancelAsync();
        await fire;
        await rehearsal.FrontDoor.StopClientAsync();

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.BlueEndpoint), "rolled back");
        Assert.That(rehearsal.FrontDoor.ClientFailures, Is.Zero, string.Join("; ", rehearsal.FrontDoor.FailureSamples));
        Assert.That(rehearsal.StateOf("prod-blue"), Is.Not.Empty, "blue kept");
        Assert.That(rehearsal.StateOf("prod-green"), Is.Not.Empty, "green kept for inspection");
        var record = rehearsal.Ledger().Single().RootElement;
        Assert.That(record.GetProperty("outcome").GetString(), Is.EqualTo("RolledBack"));
        Assert.That(record.GetProperty("reason").GetString(), Does.Contain("alarm").And.Contain("storytailor-prod-green-5xx"));
        Assert.That(Steps(record), Does.Contain("rollback").And.Not.Contain("cleanup"));
    }

    [Test]
    public async Task A_second_deployment_while_the_lock_is_held_stops_at_once_naming_the_holder()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("locked");
        var holder = JsonSerializer.SerializeToUtf8Bytes(new { lockId = "a1b2c3d4e5f60708", environment = "production", owner = "octocat", runId = "4242", version = "v1.0.9", startedAt = DateTimeOffset.UtcNow.AddMinutes(-3) });
        await DeployRehearsal.PutObjectAsync(rehearsal.Fake, "locks/production.json", holder);

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("holds the lock: owner octocat, run 4242, version v1.0.9"));
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.BlueEndpoint));
        Assert.That(rehearsal.Ledger(), Is.Empty, "no deployment record was opened");
        Assert.That(rehearsal.StateOf("prod-green"), Is.Empty, "nothing applied");
    }

    [Test]
    public async Task Dry_run_prints_the_plan_and_makes_no_mutating_call()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("dry-run");

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", "--dry-run");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(rehearsal.Fake.MutatingRequests, Is.Empty, string.Join(", ", rehearsal.Fake.MutatingRequests.Select(r => r.Operation)));
        Assert.That(run.Output, Does.Contain("blue is live").And.Contain("idle: green"));
        Assert.That(run.Output, Does.Contain("DNS change: UPSERT api.rehearsal.test CNAME blue-api.rehearsal.test → green-api.rehearsal.test"));
        Assert.That(run.Output, Does.Contain("Terraform plan of prod-green (green): workspace prod-green does not exist yet: a run creates it and applies every resource of the configuration (a dry run creates nothing)"));
        Assert.That(run.Output, Does.Contain("terraform destroy of prod-blue"));
        Assert.That(run.Output, Does.Contain("p95 < 10000 ms"), "the rehearsal's relaxed monitoring limit");
        Assert.That(run.Output, Does.Contain("over whole 1s periods read 0ms after they end").And.Contain("is extended by up to 5m"));
        Assert.That(run.Output, Does.Contain("Missing data (http API metrics): requests breaching after 2 sample(s), latency p95 breaching, 5XX rate breaching, Lambda errors notBreaching"));
        Assert.That(rehearsal.Workspaces(), Does.Not.Contain("prod-green"), "no workspace was created in the state backend");
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.BlueEndpoint));

        // Once the workspace exists (green deployed before, then destroyed), the dry run shows Terraform's own plan.
        rehearsal.Terraform("workspace", "new", "prod-green");
        rehearsal.Terraform("workspace", "select", "default");
        var planned = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", "--dry-run");
        Assert.That(planned.ExitCode, Is.EqualTo(0), planned.ToString());
        Assert.That(planned.Output, Does.Match(@"Terraform plan of prod-green \(green\): Plan: \d+ to add"));
        Assert.That(rehearsal.StateOf("prod-green"), Is.Empty, "terraform only planned");
        Assert.That(rehearsal.Fake.MutatingRequests, Is.Empty);

        // The plan as a target of its own (what stock Cake.Frosting runs): the same plan, still reads only.
        var target = rehearsal.Build("--target=PlanProduction", "--tag=v1.1.0");
        Assert.That(target.ExitCode, Is.EqualTo(0), target.ToString());
        Assert.That(target.Output, Does.Contain("DNS change: UPSERT api.rehearsal.test CNAME blue-api.rehearsal.test → green-api.rehearsal.test"));
        Assert.That(target.Output, Does.Match(@"Terraform plan of prod-green \(green\): Plan: \d+ to add"));
        Assert.That(rehearsal.StateOf("prod-green"), Is.Empty, "terraform only planned");
        Assert.That(rehearsal.Fake.MutatingRequests, Is.Empty, string.Join(", ", rehearsal.Fake.MutatingRequests.Select(r => r.Operation)));
        Assert.That(rehearsal.Ledger(), Is.Empty, "no ledger record");
    }

    [Test]
    public async Task Rollback_switches_back_to_the_kept_colour_and_running_it_twice_is_safe()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("rollback");

        // Blue still serves traffic: the cleanup guard keeps it, so the rollback can switch straight back.
        var now = DateTimeOffset.UtcNow;
        rehearsal.Fake.CloudWatch.PutSeries("AWS/ApiGateway", "Count", PublicFrontDoor.ApiDimensions("blue"), "Sum",
            Enumerable.Range(-60, 960).Select(i => (now.AddSeconds(i), 5.0)));
        var deploy = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=rehearsal of the rollback");
        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
        Assert.That(deploy.Output, Does.Contain("old colour blue kept"));
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.GreenEndpoint));

        var dryRun = rehearsal.Build("--target=Rollback", "--environment=production", "--dry-run");
        Assert.That(dryRun.ExitCode, Is.EqualTo(0), dryRun.ToString());
        Assert.That(dryRun.Output, Does.Contain("DNS change: UPSERT api.rehearsal.test CNAME green-api.rehearsal.test → blue-api.rehearsal.test"));
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.GreenEndpoint), "the dry run changed nothing");
        var notReverted = $"database migrations are not reverted: {string.Join(", ", ExampleMigrations)}";
        Assert.That(dryRun.Output, Does.Contain(notReverted), "the migrations v1.1.0 applied");

        rehearsal.FrontDoor.StartClient();
        var first = rehearsal.Build("--target=Rollback", "--environment=production");
        var second = rehearsal.Build("--target=Rollback", "--environment=production");
        await rehearsal.FrontDoor.StopClientAsync();

        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        Assert.That(first.Output, Does.Contain("points to blue again (smoke checks pass)").And.Contain(notReverted));
        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
        Assert.That(second.Output, Does.Contain("nothing to do"));
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.BlueEndpoint));
        Assert.That(rehearsal.FrontDoor.ClientFailures, Is.Zero, string.Join("; ", rehearsal.FrontDoor.FailureSamples));
        Assert.That(rehearsal.Ledger().Select(r => r.RootElement.GetProperty("outcome").GetString()), Is.EquivalentTo(new[] { "Succeeded", "RolledBack" }));
        Assert.That(rehearsal.Ledger().Select(r => r.RootElement).Single(r => r.GetProperty("kind").GetString() == "Rollback").GetProperty("reason").GetString(), Does.Contain(notReverted));
    }

    [Test]
    public async Task DeployProduction_without_a_tag_is_a_usage_error()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("no-tag");

        var run = rehearsal.Build("--target=DeployProduction");

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.Contain("--tag=vX.Y.Z"));
        Assert.That(rehearsal.Fake.Requests, Is.Empty);
    }

    private static string[] Steps(JsonElement record) => [.. record.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()!)];
}
