using System.Text;
using NUnit.Framework;
using Storytailor.Core;
using Storytailor.Deploy;

namespace Storytailor.Deploy.Tests;

public sealed class DeploymentLedgerTests : FakeAwsTest
{
    private readonly SecretRedactor _redactor = new();

    private static readonly Dictionary<string, string?> GitHub = new()
    {
        ["GITHUB_ACTOR"] = "octocat",
        ["GITHUB_EVENT_NAME"] = "push",
        ["GITHUB_RUN_ID"] = "987654",
        ["GITHUB_SERVER_URL"] = "https://github.com",
        ["GITHUB_REPOSITORY"] = "storytailor/platform",
    };

    private DeploymentLedger Ledger() => new(Store, new ArtifactWriter(ArtifactsRoot, _redactor), _redactor, Time, Log);

    private DeploymentRecord Stored(string key) => DeploymentRecord.FromJson(Encoding.UTF8.GetString(Server.S3.Object(Bucket, key)!.Content));

    private DeploymentRecord Local(string key) => DeploymentRecord.FromJson(File.ReadAllText(Path.Combine(ArtifactsRoot, key)));

    private static DeploymentStart Start(string version = "v1.2.3") =>
        new("production", version, DeploymentTrigger.FromEnvironment(GitHub))
        {
            GitCommit = "0123456789abcdef",
            ColourBefore = DeploymentColour.Blue,
            ColourAfter = DeploymentColour.Green,
        };

    [Test]
    public async Task Every_step_is_written_to_the_store_and_the_local_copy()
    {
        var session = await Ledger().StartAsync(Start());
        Assert.That(Stored(session.Key).Outcome, Is.EqualTo(DeploymentOutcome.InProgress), "written at once");

        await session.BeginStepAsync(DeploymentSteps.Apply);
        Assert.That(Stored(session.Key).Steps.Single().Outcome, Is.EqualTo(StepOutcome.Running), "a crash here leaves a running step on record");
        Time.Advance(TimeSpan.FromSeconds(90));
        await session.EndStepAsync(StepOutcome.Succeeded, ["workspace prod-green: 3 to add, 1 to change, 0 to destroy"]);
        await session.BeginStepAsync(DeploymentSteps.Monitoring);
        await session.EndStepAsync(StepOutcome.Failed, ["p95 912 ms > 800 ms"]);
        await session.CloseAsync(DeploymentOutcome.RolledBack, "p95 912 ms > 800 ms");

        var stored = Stored(session.Key);
        var local = Local(session.Key);
        Assert.That(local.ToJson(), Is.EqualTo(stored.ToJson()));
        Assert.Multiple(() =>
        {
            Assert.That(session.Key, Does.StartWith("ledger/production/"));
            Assert.That(stored.Version, Is.EqualTo("v1.2.3"));
            Assert.That(stored.GitCommit, Is.EqualTo("0123456789abcdef"));
            Assert.That(stored.Trigger.Actor, Is.EqualTo("octocat"));
            Assert.That(stored.Trigger.Event, Is.EqualTo("push"));
            Assert.That(stored.Trigger.RunUrl, Is.EqualTo("https://github.com/storytailor/platform/actions/runs/987654"));
            Assert.That(stored.ColourBefore, Is.EqualTo(DeploymentColour.Blue));
            Assert.That(stored.ColourAfter, Is.EqualTo(DeploymentColour.Green));
            Assert.That(stored.Steps.Select(s => (s.Name, s.Outcome)), Is.EqualTo(new[] { (DeploymentSteps.Apply, StepOutcome.Succeeded), (DeploymentSteps.Monitoring, StepOutcome.Failed) }));
            Assert.That(stored.Steps[0].EndedAt - stored.Steps[0].StartedAt, Is.EqualTo(TimeSpan.FromSeconds(90)));
            Assert.That(stored.Steps[1].Facts, Is.EqualTo(new[] { "p95 912 ms > 800 ms" }));
            Assert.That(stored.Outcome, Is.EqualTo(DeploymentOutcome.RolledBack));
            Assert.That(stored.Reason, Is.EqualTo("p95 912 ms > 800 ms"));
            Assert.That(stored.EndedAt, Is.Not.Null);
        });
        Assert.That(Server.Requests.Count(r => r.Operation == "PutObject"), Is.EqualTo(6), "one write per change");
        AssertAllSigned();
    }

    [Test]
    public async Task A_second_writer_of_the_same_record_is_detected()
    {
        var ledger = Ledger();
        var session = await ledger.StartAsync(Start());
        var other = ledger.Resume((await ledger.FindUnfinishedAsync("production"))!);
        await other.RecordStepAsync(DeploymentSteps.Preflight, StepOutcome.Succeeded, ["other process"]);

        var error = Assert.ThrowsAsync<LedgerConflictException>(() => session.BeginStepAsync(DeploymentSteps.Apply));

        Assert.That(error!.Message, Does.Contain(session.Key).And.Contain("another writer"));
        Assert.That(Stored(session.Key).Steps.Single().Facts, Is.EqualTo(new[] { "other process" }), "the other writer's record is not overwritten");
    }

    [Test]
    public async Task When_the_store_is_down_the_local_copy_is_kept_with_a_warning_and_the_store_catches_up()
    {
        var session = await Ledger().StartAsync(Start());
        Server.Faults.ServerError("PutObject", 3);

        await session.BeginStepAsync(DeploymentSteps.Switch);

        Assert.That(session.StoreInSync, Is.False);
        Assert.That(Local(session.Key).Steps, Has.Count.EqualTo(1));
        Assert.That(Local(session.Key).Warnings.Single(), Does.Contain("store was unavailable").And.Contain(session.Key));
        Assert.That(Stored(session.Key).Steps, Is.Empty, "the store still has the previous version");
        Assert.That(Log.Lines, Has.Some.StartsWith("warning: Ledger: the store was unavailable"));

        await session.EndStepAsync(StepOutcome.Succeeded, ["api.storytailor.test → green"]);

        Assert.That(session.StoreInSync, Is.True);
        var stored = Stored(session.Key);
        Assert.That(stored.Steps.Single().Outcome, Is.EqualTo(StepOutcome.Succeeded));
        Assert.That(stored.Warnings, Has.Count.EqualTo(1), "the store's copy says it missed a write");
    }

    [Test]
    public async Task A_store_down_from_the_start_still_gives_a_local_record()
    {
        Server.Faults.ServerError("PutObject", 3);

        var session = await Ledger().StartAsync(Start());

        Assert.That(session.StoreInSync, Is.False);
        Assert.That(File.Exists(Path.Combine(ArtifactsRoot, session.Key)), Is.True);
        Assert.That(Server.S3.Object(Bucket, session.Key), Is.Null);

        await session.CloseAsync(DeploymentOutcome.Failed, "store outage");
        Assert.That(Stored(session.Key).Outcome, Is.EqualTo(DeploymentOutcome.Failed));
    }

    [Test]
    public async Task Queries_find_the_previous_successful_and_the_unfinished_deployment()
    {
        var ledger = Ledger();
        var first = await ledger.StartAsync(Start("v1.0.0"));
        await first.CloseAsync(DeploymentOutcome.Succeeded);
        Time.Advance(TimeSpan.FromHours(1));
        var second = await ledger.StartAsync(Start("v1.1.0"));
        await second.CloseAsync(DeploymentOutcome.Succeeded);
        Time.Advance(TimeSpan.FromHours(1));
        var failed = await ledger.StartAsync(Start("v1.2.0"));
        await failed.CloseAsync(DeploymentOutcome.RolledBack, "p95");
        Time.Advance(TimeSpan.FromHours(1));
        var crashed = await ledger.StartAsync(Start("v1.3.0"));
        await crashed.BeginStepAsync(DeploymentSteps.Apply);
        var stagingRun = await new DeploymentLedger(Store, new ArtifactWriter(ArtifactsRoot, _redactor), _redactor, Time, Log)
            .StartAsync(new DeploymentStart("staging", "abc", DeploymentTrigger.FromEnvironment(GitHub)));

        var latest = await ledger.LatestSuccessfulAsync("production");
        var unfinished = await ledger.FindUnfinishedAsync("production");

        Assert.That(latest!.Version, Is.EqualTo("v1.1.0"));
        Assert.That(unfinished!.Record.Id, Is.EqualTo(crashed.Id));
        Assert.That(unfinished.Record.Steps.Single().Outcome, Is.EqualTo(StepOutcome.Running));
        Assert.That((await ledger.LatestSuccessfulAsync("production", excludingId: second.Id))!.Version, Is.EqualTo("v1.0.0"));
        Assert.That((await ledger.FindUnfinishedAsync("staging"))!.Record.Id, Is.EqualTo(stagingRun.Id));
        Assert.That(await ledger.LatestSuccessfulAsync("nowhere"), Is.Null);
    }

    [Test]
    public async Task Secrets_in_facts_are_masked_in_both_copies()
    {
        _redactor.Register("sk-live-0123456789");
        var session = await Ledger().StartAsync(Start());

        await session.RecordStepAsync(DeploymentSteps.Tests, StepOutcome.Failed, ["request with key sk-live-0123456789 got 401"]);

        Assert.That(Encoding.UTF8.GetString(Server.S3.Object(Bucket, session.Key)!.Content), Does.Not.Contain("sk-live-0123456789").And.Contain("***"));
        Assert.That(File.ReadAllText(Path.Combine(ArtifactsRoot, session.Key)), Does.Not.Contain("sk-live-0123456789"));
    }

    [Test]
    public async Task Skipping_tests_needs_a_reason_and_records_it()
    {
        Assert.ThrowsAsync<ArgumentException>(() => Ledger().StartAsync(Start() with { SkipTests = true }));

        var session = await Ledger().StartAsync(Start() with { SkipTests = true, SkipTestsReason = "hotfix for incident 42" });

        var stored = Stored(session.Key);
        Assert.That(stored.SkipTests, Is.True);
        Assert.That(stored.SkipTestsReason, Is.EqualTo("hotfix for incident 42"));
    }

    [Test]
    public void Trigger_outside_github_actions_is_manual()
    {
        var trigger = DeploymentTrigger.FromEnvironment(new Dictionary<string, string?> { ["USER"] = "alice" });

        Assert.That(trigger, Is.EqualTo(new DeploymentTrigger("alice", "manual", null, null)));
    }
}
