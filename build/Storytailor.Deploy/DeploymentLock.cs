using System.Text;
using System.Text.Json;
using Storytailor.Aws;
using Storytailor.Core;

namespace Storytailor.Deploy;

/// <summary>Who holds an environment's deployment lock.</summary>
public sealed record DeploymentLockInfo(string LockId, string Environment, string Owner, string RunId, string Version, DateTimeOffset StartedAt);

/// <summary>Another deployment holds the lock. The message names the holder, its age and whether it is stale.</summary>
public sealed class DeploymentLockHeldException : Exception
{
    public DeploymentLockHeldException(string environment, DeploymentLockInfo holder, TimeSpan age, bool stale)
        : base(Describe(environment, holder, age, stale))
    {
        Environment = environment;
        Holder = holder;
        Age = age;
        IsStale = stale;
    }

    public DeploymentLockHeldException(string environment, string key, string etag, string problem)
        : base($"The deployment lock of '{environment}' ({key}) exists but cannot be read ({problem}). Inspect it; on-call can remove it with --force-unlock={etag} (its ETag).")
    {
        Environment = environment;
    }

    public string Environment { get; }

    /// <summary>The holder, or null when the lock object could not be read.</summary>
    public DeploymentLockInfo? Holder { get; }

    public TimeSpan Age { get; }

    public bool IsStale { get; }

    private static string Describe(string environment, DeploymentLockInfo holder, TimeSpan age, bool stale)
    {
        var text = $"Another deployment of '{environment}' holds the lock: owner {holder.Owner}, run {holder.RunId}, version {holder.Version}, "
            + $"started {holder.StartedAt:yyyy-MM-dd HH:mm:ss} UTC ({Durations.Format(RoundToSeconds(age))} ago), lock id {holder.LockId}.";
        return stale
            ? text + $" The lock is STALE (older than the stale age); it is not taken over automatically. If that run is gone, check the ledger, then run with --force-unlock={holder.LockId}."
            : text + $" Wait for it to finish. If that run was cancelled or its runner lost (it can no longer release the lock), check the ledger, then run with --force-unlock={holder.LockId}: the run that takes over finishes or closes the unfinished deployment.";
    }

    private static TimeSpan RoundToSeconds(TimeSpan age) => TimeSpan.FromSeconds(Math.Max(0, Math.Round(age.TotalSeconds)));
}

/// <summary>How a forced unlock ended.</summary>
public enum ForceUnlockOutcome
{
    Removed,
    NoLock,
    LockIdMismatch,
}

public sealed record ForceUnlockResult(ForceUnlockOutcome Outcome, string Message, DeploymentLockInfo? RemovedLock, string? AuditKey)
{
    public bool Removed => Outcome == ForceUnlockOutcome.Removed;
}

/// <summary>The audit object of a forced unlock: who removed which lock and why; <see cref="NotRemoved"/> says why the removal was refused.</summary>
public sealed record ForceUnlockAudit(string Environment, string LockId, string RemovedBy, string? Reason, DateTimeOffset RemovedAt, DeploymentLockInfo? RemovedLock, string? RemovedLockRaw)
{
    public string? NotRemoved { get; init; }
}

/// <summary>
/// One deployment per environment at a time: the object <c>locks/&lt;environment&gt;.json</c>, created with
/// a conditional write (If-None-Match: *). A held lock fails the second deployment at once, naming the holder;
/// a lock older than the stale age is reported as stale but never taken over. Release removes only one's own
/// lock; a forced unlock (on-call) needs the lock's id and leaves an audit object naming who did it.
/// </summary>
/// <remarks>
/// Release and forced unlock read the lock with its ETag, compare its id, then delete it with a conditional delete
/// (If-Match: that ETag). If the lock was replaced in between (forced open and taken by another run), the store
/// refuses the delete, so another holder's lock is never removed; the run says so and leaves it in place.
/// </remarks>
public sealed class DeploymentLock
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly IArtifactStore _store;
    private readonly string _environment;
    private readonly TimeSpan _staleAfter;
    private readonly TimeProvider _time;
    private readonly IBuildLog _log;

    public DeploymentLock(IArtifactStore store, string environment, TimeSpan staleAfter, TimeProvider time, IBuildLog log)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(environment);
        _store = store;
        _environment = environment;
        _staleAfter = staleAfter;
        _time = time;
        _log = log;
    }

    public string Key => $"locks/{_environment}.json";

    public string AuditPrefix => $"locks/{_environment}-force-unlocks/";

    /// <summary>Takes the lock or throws <see cref="DeploymentLockHeldException"/> naming the holder.</summary>
    public async Task<DeploymentLockInfo> AcquireAsync(string owner, string runId, string version, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        var mine = new DeploymentLockInfo(Guid.NewGuid().ToString("N")[..16], _environment, owner, runId, version, _time.GetUtcNow());

        // Twice: if the holder released between our create and our read, the second create may succeed.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            if (await _store.CreateAsync(Key, JsonSerializer.SerializeToUtf8Bytes(mine, Json), cancellationToken).ConfigureAwait(false) is not null)
            {
                _log.Information($"Deployment lock of '{_environment}' taken: lock id {mine.LockId}, owner {owner}, run {runId}, version {version}.");
                return mine;
            }

            var existing = await _store.GetAsync(Key, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                continue;
            }

            throw HeldBy(existing);
        }

        throw new InvalidOperationException($"The deployment lock of '{_environment}' ({Key}) kept changing while it was being taken; try again.");
    }

    /// <summary>The current holder, or null when the environment is not locked.</summary>
    public async Task<DeploymentLockInfo?> ReadAsync(CancellationToken cancellationToken = default)
    {
        var existing = await _store.GetAsync(Key, cancellationToken).ConfigureAwait(false);
        return existing is null ? null : Parse(existing) ?? throw HeldBy(existing);
    }

    /// <summary>
    /// Removes the lock if it is still ours. Returns false (with a warning) when it is gone or held by
    /// someone else (e.g. after on-call forced it open): another run's lock is never removed.
    /// </summary>
    public async Task<bool> ReleaseAsync(string lockId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(lockId);
        var existing = await _store.GetAsync(Key, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            _log.Warning($"Deployment lock of '{_environment}' was already gone when lock {lockId} was released (was it forced open?).");
            return false;
        }

        var holder = Parse(existing);
        if (holder is null || holder.LockId != lockId)
        {
            _log.Warning($"Deployment lock of '{_environment}' is now held by {(holder is null ? "an unreadable lock" : $"lock {holder.LockId} (owner {holder.Owner}, run {holder.RunId})")}, not by {lockId}; left in place.");
            return false;
        }

        try
        {
            await _store.DeleteIfMatchAsync(Key, existing.Info.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (ArtifactPreconditionFailedException)
        {
            _log.Warning($"Deployment lock of '{_environment}' changed between reading it (lock {lockId}, ETag {existing.Info.ETag}) and deleting it; {await DescribeNowAsync(cancellationToken).ConfigureAwait(false)}. The conditional delete removed nothing; left in place.");
            return false;
        }

        _log.Information($"Deployment lock of '{_environment}' released (lock id {lockId}).");
        return true;
    }

    /// <summary>
    /// On-call's way out of a stuck lock: removes it only when <paramref name="lockId"/> is its id (or, for an
    /// unreadable lock object, its ETag), after writing an audit object that names <paramref name="who"/>.
    /// </summary>
    public async Task<ForceUnlockResult> ForceUnlockAsync(string lockId, string who, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(lockId);
        ArgumentException.ThrowIfNullOrWhiteSpace(who);
        var existing = await _store.GetAsync(Key, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            var none = $"Force unlock of '{_environment}': there is no lock ({Key}); nothing removed.";
            _log.Warning(none);
            return new ForceUnlockResult(ForceUnlockOutcome.NoLock, none, null, null);
        }

        var holder = Parse(existing);
        var matches = holder is not null ? holder.LockId == lockId.Trim() : existing.Info.ETag == lockId.Trim().Trim('"');
        if (!matches)
        {
            var other = holder is null
                ? $"Force unlock of '{_environment}' refused: the lock is unreadable and its ETag is {existing.Info.ETag}, not {lockId}."
                : $"Force unlock of '{_environment}' refused: the lock id is {holder.LockId} (owner {holder.Owner}, run {holder.RunId}, version {holder.Version}), not {lockId}.";
            _log.Error(other);
            return new ForceUnlockResult(ForceUnlockOutcome.LockIdMismatch, other, null, null);
        }

        var now = _time.GetUtcNow();
        var auditKey = $"{AuditPrefix}{now:yyyyMMdd'T'HHmmssfff'Z'}-{Guid.NewGuid().ToString("N")[..6]}.json";
        var audit = new ForceUnlockAudit(_environment, lockId.Trim(), who, reason, now, holder, holder is null ? Encoding.UTF8.GetString(existing.Content) : null);
        var auditEtag = await _store.CreateAsync(auditKey, JsonSerializer.SerializeToUtf8Bytes(audit, Json), cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The audit object {auditKey} already exists; the lock was not removed. Try again.");

        try
        {
            await _store.DeleteIfMatchAsync(Key, existing.Info.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (ArtifactPreconditionFailedException)
        {
            var changed = $"Force unlock of '{_environment}' refused: the lock changed after it was read (lock {holder?.LockId ?? "unreadable"}, ETag {existing.Info.ETag}); {await DescribeNowAsync(cancellationToken).ConfigureAwait(false)}. Nothing was removed; audit {auditKey} records the attempt.";
            await _store.ReplaceAsync(auditKey, JsonSerializer.SerializeToUtf8Bytes(audit with { NotRemoved = changed }, Json), auditEtag, cancellationToken).ConfigureAwait(false);
            _log.Error(changed);
            return new ForceUnlockResult(ForceUnlockOutcome.LockIdMismatch, changed, null, auditKey);
        }

        var done = holder is null
            ? $"Force unlock of '{_environment}': unreadable lock removed by {who}; audit {auditKey}."
            : $"Force unlock of '{_environment}': lock {holder.LockId} (owner {holder.Owner}, run {holder.RunId}, version {holder.Version}) removed by {who}; audit {auditKey}.";
        _log.Warning(done);
        return new ForceUnlockResult(ForceUnlockOutcome.Removed, done, holder, auditKey);
    }

    /// <summary>Who holds the lock now, for a message after a refused conditional delete (a read only).</summary>
    private async Task<string> DescribeNowAsync(CancellationToken cancellationToken)
    {
        var now = await _store.GetAsync(Key, cancellationToken).ConfigureAwait(false);
        if (now is null)
        {
            return "it is gone now";
        }

        var holder = Parse(now);
        return holder is null
            ? $"it is now an unreadable lock (ETag {now.Info.ETag})"
            : $"it is now held by lock {holder.LockId} (owner {holder.Owner}, run {holder.RunId}, version {holder.Version})";
    }

    private DeploymentLockHeldException HeldBy(ArtifactContent existing)
    {
        var holder = Parse(existing);
        if (holder is null)
        {
            return new DeploymentLockHeldException(_environment, Key, existing.Info.ETag, "not a lock document");
        }

        var age = _time.GetUtcNow() - holder.StartedAt;
        var stale = age > _staleAfter;
        var error = new DeploymentLockHeldException(_environment, holder, age, stale);
        _log.Error(error.Message);
        return error;
    }

    private static DeploymentLockInfo? Parse(ArtifactContent content)
    {
        try
        {
            var info = JsonSerializer.Deserialize<DeploymentLockInfo>(content.Content, Json);
            return info is { LockId.Length: > 0, Owner: not null, RunId: not null, Version: not null } ? info : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
