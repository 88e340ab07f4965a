using System.Text;
using System.Text.Json;
using NUnit.Framework;
using Storytailor.Aws;
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
    public async Task Release_deletes_its_own_lock_with_a_conditional_delete()
    {
        var mine = await Lock().AcquireAsync("octocat", "4242", "v1.2.3");
        var etag = Server.S3.Object(Bucket, "locks/production.json")!.ETag.Trim('"');
        var store = new InterferingStore(Store, () => Task.CompletedTask);

        var released = await new DeploymentLock(store, "production", TimeSpan.FromHours(2), Time, Log).ReleaseAsync(mine.LockId);

        Assert.That(released, Is.True);
        Assert.That(store.ConditionalDeletes, Is.EqualTo(new[] { ("locks/production.json", etag) }), "deleted only if the ETag read alongside the lock id still matches");
        Assert.That(Server.S3.Object(Bucket, "locks/production.json"), Is.Null);
        Assert.That(Log.Text, Does.Contain($"released (lock id {mine.LockId})"));
    }

    [Test]
    public async Task A_lock_replaced_by_another_holder_between_read_and_delete_is_not_deleted()
    {
        var mine = await Lock().AcquireAsync("octocat", "4242", "v1.2.3");
        DeploymentLockInfo? theirs = null;
        // Right before our delete: on-call forces our lock open and another run takes the lock.
        var store = new InterferingStore(Store, async () =>
        {
            await Lock().ForceUnlockAsync(mine.LockId, "oncall-alice", "runner looked lost");
            theirs = await Lock().AcquireAsync("hubot", "4300", "v1.2.4");
        });

        var released = await new DeploymentLock(store, "production", TimeSpan.FromHours(2), Time, Log).ReleaseAsync(mine.LockId);

        Assert.That(released, Is.False);
        Assert.That(theirs, Is.Not.Null);
        Assert.That((await Lock().ReadAsync())!.LockId, Is.EqualTo(theirs!.LockId), "the other run's lock is still there");
        Assert.That(Log.Text, Does.Contain("changed between reading it").And.Contain($"now held by lock {theirs.LockId} (owner hubot, run 4300").And.Contain("removed nothing; left in place"));
        Assert.That(Server.Requests.Where(r => r.Operation == "DeleteObject").Select(r => r.StatusCode), Does.Contain(412), "S3 refused the conditional delete");
    }

    [Test]
    public async Task Force_unlock_of_a_lock_replaced_after_the_read_removes_nothing_and_the_audit_says_so()
    {
        var stuck = await Lock().AcquireAsync("octocat", "4242", "v1.2.3");
        DeploymentLockInfo? theirs = null;
        var store = new InterferingStore(Store, async () =>
        {
            Assert.That(await Lock().ReleaseAsync(stuck.LockId), Is.True);
            theirs = await Lock().AcquireAsync("hubot", "4300", "v1.2.4");
        });

        var result = await new DeploymentLock(store, "production", TimeSpan.FromHours(2), Time, Log).ForceUnlockAsync(stuck.LockId, "oncall-alice");

        Assert.That(result.Outcome, Is.EqualTo(ForceUnlockOutcome.LockIdMismatch));
        Assert.That(result.Message, Does.Contain("changed after it was read").And.Contain($"now held by lock {theirs!.LockId}").And.Contain("Nothing was removed"));
        Assert.That((await Lock().ReadAsync())!.LockId, Is.EqualTo(theirs.LockId));
        var audit = Encoding.UTF8.GetString(Server.S3.Object(Bucket, result.AuditKey!)!.Content);
        Assert.That(audit, Does.Contain("\"notRemoved\"").And.Contain("changed after it was read"));
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

    /// <summary>
    /// The store as the lock sees it, with a seam right before each conditional delete: <paramref name="beforeConditionalDelete"/>
    /// runs there (another holder acting between the lock's read and its delete). Every call goes to the real store.
    /// </summary>
    private sealed class InterferingStore(IArtifactStore inner, Func<Task> beforeConditionalDelete) : IArtifactStore
    {
        private readonly List<(string Key, string ETag)> _conditionalDeletes = [];

        public IReadOnlyList<(string Key, string ETag)> ConditionalDeletes => _conditionalDeletes;

        public async Task DeleteIfMatchAsync(string key, string etag, CancellationToken cancellationToken = default)
        {
            _conditionalDeletes.Add((key, etag));
            await beforeConditionalDelete();
            await inner.DeleteIfMatchAsync(key, etag, cancellationToken);
        }

        public Task<ArtifactPutResult> PutIfAbsentAsync(string key, Stream content, string sha256, CancellationToken cancellationToken = default) => inner.PutIfAbsentAsync(key, content, sha256, cancellationToken);

        public Task<ArtifactPutResult> PutFileIfAbsentAsync(string key, string path, string sha256, CancellationToken cancellationToken = default) => inner.PutFileIfAbsentAsync(key, path, sha256, cancellationToken);

        public Task<ArtifactContent?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public Task<ArtifactInfo?> HeadAsync(string key, CancellationToken cancellationToken = default) => inner.HeadAsync(key, cancellationToken);

        public Task<IReadOnlyList<ArtifactInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public Task<string?> CreateAsync(string key, byte[] content, CancellationToken cancellationToken = default) => inner.CreateAsync(key, content, cancellationToken);

        public Task<string> ReplaceAsync(string key, byte[] content, string etag, CancellationToken cancellationToken = default) => inner.ReplaceAsync(key, content, etag, cancellationToken);
    }
}
