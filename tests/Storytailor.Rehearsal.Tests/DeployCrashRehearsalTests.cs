using System.Text.Json;
using Storytailor.Build.Tests;
using Storytailor.Deploy;

namespace Storytailor.Rehearsal.Tests;

/// <summary>
/// Crash recovery rehearsed: DeployProduction killed (SIGKILL) at each step boundary, then run again the way on-call
/// would (the dead run's lock removed with --force-unlock). Whatever the boundary, the run again ends with the tested
/// colour live, the old one destroyed, no unfinished ledger record and the lock released.
/// </summary>
public sealed partial class DeployProductionRehearsalTests
{
    private static readonly string[] BeforeTheSwitch = [DeploymentSteps.Preflight, DeploymentSteps.Upload, DeploymentSteps.Migrations, DeploymentSteps.Apply, DeploymentSteps.VerifyFunctions, DeploymentSteps.Warmup, DeploymentSteps.Tests];

    [TestCase(DeploymentSteps.Preflight)]
    [TestCase(DeploymentSteps.Upload)]
    [TestCase(DeploymentSteps.Migrations)]
    [TestCase(DeploymentSteps.Apply)]
    [TestCase(DeploymentSteps.VerifyFunctions)]
    [TestCase(DeploymentSteps.Warmup)]
    [TestCase(DeploymentSteps.Tests)]
    [TestCase(DeploymentSteps.Switch)]
    [TestCase(DeploymentSteps.Monitoring)]
    [TestCase(DeploymentSteps.Cleanup)]
    public async Task Killed_after_a_step_then_run_again_ends_live_on_the_tested_colour(string step)
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync($"killed-after-{step}");
        // Killed before reaching the tests, both runs skip them (with a recorded reason) to keep the rehearsal short;
        // from the tests on, the killed run has passed them and the run again must honour that.
        string[] tests = BeforeTheSwitch.TakeWhile(s => s != DeploymentSteps.Tests).Contains(step)
            ? ["--skip-tests", "--reason=rehearsal of a lost runner"]
            : [];

        var killed = rehearsal.BuildKilledAfter(step, ["--target=DeployProduction", "--tag=v1.1.0", .. tests]);
        Assert.That(killed.ExitCode, Is.Not.Zero, killed.ToString());
        Assert.That(rehearsal.Ledger().Single().RootElement.GetProperty("outcome").GetString(), Is.EqualTo("InProgress"), "the dead run left its record open");
        using var held = rehearsal.HeldLock();
        Assert.That(held, Is.Not.Null, "the dead run still holds the lock");
        var lockId = held!.RootElement.GetProperty("lockId").GetString();

        var again = rehearsal.Build(["--target=DeployProduction", "--tag=v1.1.0", $"--force-unlock={lockId}", .. tests]);

        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.GreenEndpoint), "the tested colour is live");
        Assert.That(rehearsal.StateOf("prod-blue"), Is.Empty, "the old colour was destroyed");
        Assert.That(rehearsal.StateOf("prod-green"), Is.Not.Empty, "the live colour was not");
        Assert.That(rehearsal.HeldLock(), Is.Null, "lock released");
        var records = rehearsal.Ledger().Select(r => r.RootElement).ToList();
        Assert.That(records.Select(r => r.GetProperty("outcome").GetString()), Has.None.EqualTo("InProgress"));
        if (BeforeTheSwitch.Contains(step))
        {
            // Nothing public had changed: the dead run's record is closed and a new run repeats every (idempotent) step.
            Assert.That(again.Output, Does.Contain("never went live"));
            var closed = records.Single(r => r.GetProperty("outcome").GetString() == "Failed");
            Assert.That(closed.GetProperty("reason").GetString(), Does.Contain("interrupted before the switch"));
            Assert.That(records.Count(r => r.GetProperty("outcome").GetString() == "Succeeded"), Is.EqualTo(1));
            if (tests.Length > 0)
            {
                Assert.That(again.Output, Does.Contain("Skipped TestIdleColour: --skip-tests: rehearsal of a lost runner"), "the report says why the stage did not run");
            }
        }
        else
        {
            // Live on green: the same record is finished, from the first step not yet done.
            var record = records.Single();
            Assert.That(record.GetProperty("outcome").GetString(), Is.EqualTo("Succeeded"));
            var steps = Steps(record);
            Assert.That(steps, Does.Contain("cleanup"));
            Assert.That(steps.Count(s => s == "switch"), Is.EqualTo(1), "the record was switched once");
            if (step != DeploymentSteps.Cleanup)
            {
                Assert.That(steps, Does.Contain("resume"));
                Assert.That(again.Output, Does.Contain($"Resuming deployment").And.Contain(step == DeploymentSteps.Switch ? "at 'monitoring'" : "at 'cleanup'"));
                var id = record.GetProperty("id").GetString();
                Assert.That(again.Output, Does.Contain($"Skipped SwitchTraffic: resumed deployment {id}: done by the earlier run"), "the stages before the resume are skipped with the reason");
            }
        }
    }

    [Test]
    public async Task A_run_that_finds_a_dead_runs_lock_stops_naming_it_and_changes_nothing()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("killed-then-locked");
        var killed = rehearsal.BuildKilledAfter(DeploymentSteps.Switch, "--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=rehearsal of a lost runner");
        Assert.That(killed.ExitCode, Is.Not.Zero, killed.ToString());
        var changes = rehearsal.Fake.Route53.Changes.Count;

        var again = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0");

        Assert.That(again.ExitCode, Is.EqualTo(1), again.ToString());
        Assert.That(again.Output, Does.Contain("holds the lock").And.Contain("--force-unlock="));
        Assert.That(rehearsal.Fake.Route53.Changes, Has.Count.EqualTo(changes), "no DNS change");
        Assert.That(rehearsal.Ledger().Single().RootElement.GetProperty("outcome").GetString(), Is.EqualTo("InProgress"), "the open record is left for the run that takes over");
    }

    [Test]
    public async Task An_unfinished_deployment_of_another_version_is_refused_until_superseded()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("superseded");
        var killed = rehearsal.BuildKilledAfter(DeploymentSteps.Apply, "--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=rehearsal of a lost runner");
        Assert.That(killed.ExitCode, Is.Not.Zero, killed.ToString());
        using var held = rehearsal.HeldLock();
        var lockId = held!.RootElement.GetProperty("lockId").GetString();

        var refused = rehearsal.Build("--target=DeployProduction", "--tag=v1.2.0", $"--force-unlock={lockId}");
        Assert.That(refused.ExitCode, Is.EqualTo(1), refused.ToString());
        Assert.That(refused.Output, Does.Contain("Not started: Unfinished deployment").And.Contain("of v1.1.0 (by rehearsal-bot").And.Contain("is unfinished (the record still points to blue)").And.Contain("pass --supersede to close it and deploy v1.2.0"));
        Assert.That(rehearsal.Ledger().Single().RootElement.GetProperty("outcome").GetString(), Is.EqualTo("InProgress"), "refusing changed nothing");

        var superseding = rehearsal.Build("--target=DeployProduction", "--tag=v1.2.0", "--supersede");

        Assert.That(superseding.ExitCode, Is.EqualTo(0), superseding.ToString());
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.GreenEndpoint));
        var records = rehearsal.Ledger().Select(r => r.RootElement).ToList();
        var closed = records.Single(r => r.GetProperty("version").GetString() == "v1.1.0");
        Assert.That(closed.GetProperty("outcome").GetString(), Is.EqualTo("Failed"));
        Assert.That(closed.GetProperty("reason").GetString(), Does.Contain("superseded by v1.2.0"));
        Assert.That(records.Single(r => r.GetProperty("version").GetString() == "v1.2.0").GetProperty("outcome").GetString(), Is.EqualTo("Succeeded"));
    }

    [Test]
    public async Task An_on_call_Rollback_killed_after_it_switched_is_closed_and_never_switched_back()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("rollback-killed");
        var now = DateTimeOffset.UtcNow;
        // Blue keeps serving traffic, so the deployment keeps it and Rollback can switch straight back.
        rehearsal.Fake.CloudWatch.PutSeries("AWS/ApiGateway", "Count", PublicFrontDoor.ApiDimensions("blue"), "Sum",
            Enumerable.Range(-60, 960).Select(i => (now.AddSeconds(i), 5.0)));
        var deploy = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=rehearsal setup");
        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());

        var killed = rehearsal.BuildKilledAfter(DeploymentSteps.Rollback, "--target=Rollback", "--environment=production");
        Assert.That(killed.ExitCode, Is.Not.Zero, killed.ToString());
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.BlueEndpoint), "the rollback had switched to blue");
        var changes = rehearsal.Fake.Route53.Changes.Count;
        using var held = rehearsal.HeldLock();
        var lockId = held!.RootElement.GetProperty("lockId").GetString();

        var next = rehearsal.Build("--target=DeployProduction", "--tag=v1.2.0", $"--force-unlock={lockId}");

        Assert.That(next.ExitCode, Is.EqualTo(0), next.ToString());
        Assert.That(next.Output, Does.Contain("on-call rollback").And.Contain("closing it RolledBack"));
        Assert.That(next.Output, Does.Not.Contain("crash recovery: back to green"), "the colour rolled back from is never switched to again by recovery");
        Assert.That(rehearsal.Fake.Route53.Changes, Has.Count.EqualTo(changes + 1), "only the new deployment's own switch");
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.GreenEndpoint), "v1.2.0 went to the idle colour after its tests");
        Assert.That(rehearsal.Ledger().Select(r => r.RootElement.GetProperty("outcome").GetString()), Is.EquivalentTo(new[] { "Succeeded", "RolledBack", "Succeeded" }));
    }

    [Test]
    public async Task Rollback_of_a_deployment_whose_runner_was_lost_after_the_switch_goes_back_to_the_colour_before_it()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("rollback-unfinished");
        var killed = rehearsal.BuildKilledAfter(DeploymentSteps.Switch, "--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=rehearsal of a lost runner");
        Assert.That(killed.ExitCode, Is.Not.Zero, killed.ToString());
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.GreenEndpoint), "the lost run had switched to green");
        using var held = rehearsal.HeldLock();
        var lockId = held!.RootElement.GetProperty("lockId").GetString();

        var dryRun = rehearsal.Build("--target=Rollback", "--environment=production", "--dry-run");
        Assert.That(dryRun.ExitCode, Is.EqualTo(0), dryRun.ToString());
        Assert.That(dryRun.Output, Does.Contain("Roll back the unfinished deployment").And.Contain("point api.rehearsal.test to blue again"));
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.GreenEndpoint), "the dry run changed nothing");

        rehearsal.FrontDoor.StartClient();
        var rollback = rehearsal.Build("--target=Rollback", "--environment=production", $"--force-unlock={lockId}");
        await rehearsal.FrontDoor.StopClientAsync();

        Assert.That(rollback.ExitCode, Is.EqualTo(0), rollback.ToString());
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.BlueEndpoint), "back on the colour before the lost deployment");
        Assert.That(rehearsal.FrontDoor.ClientFailures, Is.Zero, string.Join("; ", rehearsal.FrontDoor.FailureSamples));
        var records = rehearsal.Ledger().Select(r => r.RootElement).ToList();
        Assert.That(records.Select(r => r.GetProperty("outcome").GetString()), Is.EquivalentTo(new[] { "RolledBack", "RolledBack" }), "the lost deployment and the rollback, both closed");
        Assert.That(records.Single(r => r.GetProperty("kind").GetString() == "Deployment").GetProperty("reason").GetString(), Does.Contain("by on-call run"));
        Assert.That(rehearsal.HeldLock(), Is.Null, "lock released");
    }
}
