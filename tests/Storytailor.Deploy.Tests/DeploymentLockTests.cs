using System.Text;
using System.Text.Json;
using NUnit.Framework;
using Storytailor.Deploy;

namespace Storytailor.Deploy.Tests;

public sealed class DeploymentLockTests : FakeAwsTest
{
    private DeploymentLock Lock(string environment = "production") => new(Store, environment, TimeSpan.FromHours(2), Time, Log);

    [Test]
    public async Task Acquire_writes_the_holder_with_a_conditional_create()
    {
        var info = await Lock().AcquireAsync("octocat", "4242", "v1.2.3");

        var stored = Server.S3.Object(Bucket, "locks/production.json");
        Assert.That(stored, Is.Not.Null);
        using var document = JsonDocument.Parse(stored!.Content);
        Assert.Multiple(() =>
        {
            Assert.That(document.RootElement.GetProperty("owner").GetString(), Is.EqualTo("octocat"));
            Assert.That(document.RootElement.GetProperty("runId").GetString(), Is.EqualTo("4242"));
            Assert.That(document.RootElement.GetProperty("version").GetString(), Is.EqualTo("v1.2.3"));
            Assert.That(document.RootElement.GetProperty("lockId").GetString(), Is.EqualTo(info.LockId));
            Assert.That(document.RootElement.GetProperty("startedAt").GetDateTimeOffset(), Is.EqualTo(Time.GetUtcNow()));
        });
        AssertAllSigned();
    }

    [Test]
    public async Task A_second_deployment_fails_at_once_naming_the_holder()
    {
        await Lock().AcquireAsync("octocat", "4242", "v1.2.3");
        Time.Advance(TimeSpan.FromMinutes(7));

        var error = Assert.ThrowsAsync<DeploymentLockHeldException>(() => Lock().AcquireAsync("hubot", "4243", "v1.2.4"));

        Assert.That(error!.Message, Does.Contain("octocat").And.Contain("run 4242").And.Contain("version v1.2.3").And.Contain("7m ago"));
        Assert.That(error.IsStale, Is.False);
        Assert.That(Encoding.UTF8.GetString(Server.S3.Object(Bucket, "locks/production.json")!.Content), Does.Contain("octocat"));
    }

    [Test]
    public async Task Concurrent_acquires_let_exactly_one_through()
    {
        var attempts = Enumerable.Range(0, 6).Select(i => Lock().AcquireAsync($"runner-{i}", $"{i}", "v2.0.0")).ToList();
        var outcomes = new List<bool>();
        foreach (var attempt in attempts)
        {
            try
            {
                await attempt;
                outcomes.Add(true);
            }
            catch (DeploymentLockHeldException)
            {
                outcomes.Add(false);
            }
        }

        Assert.That(outcomes.Count(o => o), Is.EqualTo(1));
    }

    [Test]
    public async Task A_stale_lock_is_reported_as_stale_and_not_taken_over()
    {
        var first = await Lock().AcquireAsync("octocat", "4242", "v1.2.3");
        Time.Advance(TimeSpan.FromHours(3));

        var error = Assert.ThrowsAsync<DeploymentLockHeldException>(() => Lock().AcquireAsync("hubot", "4243", "v1.2.4"));

        Assert.That(error!.IsStale, Is.True);
        Assert.That(error.Message, Does.Contain("STALE").And.Contain($"--force-unlock={first.LockId}").And.Contain("3h ago"));
        Assert.That((await Lock().ReadAsync())!.LockId, Is.EqualTo(first.LockId));
    }

    [Test]
    public async Task Locks_of_different_environments_are_independent()
    {
        await Lock("production").AcquireAsync("octocat", "1", "v1.0.0");

        var staging = await Lock("staging").AcquireAsync("octocat", "2", "abc123");

        Assert.That(staging.Environment, Is.EqualTo("staging"));
    }

    [Test]
    public async Task Release_removes_only_its_own_lock()
    {
        var mine = await Lock().AcquireAsync("octocat", "4242", "v1.2.3");

        Assert.That(await Lock().ReleaseAsync("not-my-lock-id"), Is.False);
        Assert.That(Server.S3.Object(Bucket, "locks/production.json"), Is.Not.Null);
        Assert.That(Log.Text, Does.Contain("left in place"));

        Assert.That(await Lock().ReleaseAsync(mine.LockId), Is.True);
        Assert.That(Server.S3.Object(Bucket, "locks/production.json"), Is.Null);
        Assert.That(await Lock().ReleaseAsync(mine.LockId), Is.False, "releasing twice reports that the lock is gone");
    }

    [Test]
    public async Task Force_unlock_needs_the_lock_id_and_records_who_did_it()
    {
        var held = await Lock().AcquireAsync("octocat", "4242", "v1.2.3");

        var wrong = await Lock().ForceUnlockAsync("0000000000000000", "oncall-alice");
        Assert.That(wrong.Outcome, Is.EqualTo(ForceUnlockOutcome.LockIdMismatch));
        Assert.That(wrong.Message, Does.Contain(held.LockId).And.Contain("octocat"));
        Assert.That(Server.S3.Object(Bucket, "locks/production.json"), Is.Not.Null);

        Time.Advance(TimeSpan.FromHours(5));
        var forced = await Lock().ForceUnlockAsync(held.LockId, "oncall-alice", "runner lost");

        Assert.That(forced.Removed, Is.True);
        Assert.That(Server.S3.Object(Bucket, "locks/production.json"), Is.Null);
        var audits = Server.S3.Keys(Bucket).Where(k => k.StartsWith("locks/production-force-unlocks/", StringComparison.Ordinal)).ToList();
        Assert.That(audits, Has.Count.EqualTo(1));
        Assert.That(audits[0], Is.EqualTo(forced.AuditKey));
        var audit = Encoding.UTF8.GetString(Server.S3.Object(Bucket, audits[0])!.Content);
        Assert.That(audit, Does.Contain("oncall-alice").And.Contain("runner lost").And.Contain(held.LockId).And.Contain("octocat"));

        var next = await Lock().AcquireAsync("hubot", "4300", "v1.2.4");
        Assert.That(next.Owner, Is.EqualTo("hubot"));
    }

    [Test]
    public async Task Force_unlock_without_a_lock_removes_nothing()
    {
        var result = await Lock().ForceUnlockAsync("abc", "oncall-alice");

        Assert.That(result.Outcome, Is.EqualTo(ForceUnlockOutcome.NoLock));
        Assert.That(Server.S3.Keys(Bucket), Is.Empty);
    }

    [Test]
    public async Task An_unreadable_lock_blocks_and_can_be_forced_open_by_its_etag()
    {
        await Store.CreateAsync("locks/production.json", Encoding.UTF8.GetBytes("garbage"));
        var etag = Server.S3.Object(Bucket, "locks/production.json")!.ETag.Trim('"');

        var error = Assert.ThrowsAsync<DeploymentLockHeldException>(() => Lock().AcquireAsync("hubot", "1", "v1"));
        Assert.That(error!.Message, Does.Contain("cannot be read").And.Contain(etag));

        var forced = await Lock().ForceUnlockAsync(etag, "oncall-bob");
        Assert.That(forced.Removed, Is.True);
        Assert.That(Server.S3.Object(Bucket, "locks/production.json"), Is.Null);
    }
}
