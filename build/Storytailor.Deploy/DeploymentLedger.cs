using System.Text;
using System.Text.Json;
using Storytailor.Aws;
using Storytailor.Core;

namespace Storytailor.Deploy;

/// <summary>Another writer changed the record in the store since this run last wrote it.</summary>
public sealed class LedgerConflictException(string key, Exception inner)
    : Exception($"The ledger record {key} was changed by another writer since this run wrote it; a second process is working on the same deployment. Stopping.", inner)
{
    public string Key { get; } = key;
}

/// <summary>What a new deployment record starts with.</summary>
public sealed record DeploymentStart(string Environment, string Version, DeploymentTrigger Trigger)
{
    public string? GitCommit { get; init; }

    public bool SkipTests { get; init; }

    public string? SkipTestsReason { get; init; }

    public DeploymentColour? ColourBefore { get; init; }

    public DeploymentColour? ColourAfter { get; init; }

    public string? PreviousVersion { get; init; }

    public DeploymentKind Kind { get; init; } = DeploymentKind.Deployment;
}

/// <summary>A record read back from the store, with its ETag (for the next conditional write).</summary>
public sealed record StoredDeployment(DeploymentRecord Record, string ETag);

/// <summary>
/// The deployment audit trail: one JSON record per deployment at <c>ledger/&lt;environment&gt;/&lt;id&gt;.json</c>
/// in the store and the same path under the artifacts folder, written after every step.
/// </summary>
/// <remarks>
/// Every write goes to the local copy first, then to the store with a conditional write (create with
/// If-None-Match for the first, replace with If-Match on the last ETag after that), so a second writer of the
/// same record is detected (<see cref="LedgerConflictException"/>) instead of overwriting it.
/// <para>
/// When the store cannot be reached (AWS errors after the client's retries), the write is kept locally,
/// a warning goes to the log and into the record's <see cref="DeploymentRecord.Warnings"/>, and
/// <see cref="LedgerSession.StoreInSync"/> turns false; the next write tries the store again with the whole
/// record. The ledger never fails a deployment for that: the caller decides. The deployment targets are
/// expected to refuse to START when the first write cannot reach the store (the lock lives in the same
/// bucket, so they could not have taken it either), and to carry on mid-deployment — a half-finished
/// switch is worse than a late audit record — reporting the warning in the summary.
/// </para>
/// </remarks>
public sealed class DeploymentLedger
{
    private readonly IArtifactStore _store;
    private readonly ArtifactWriter _artifacts;
    private readonly SecretRedactor _redactor;
    private readonly TimeProvider _time;
    private readonly IBuildLog _log;

    public DeploymentLedger(IArtifactStore store, ArtifactWriter artifacts, SecretRedactor redactor, TimeProvider time, IBuildLog log)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(artifacts);
        ArgumentNullException.ThrowIfNull(redactor);
        _store = store;
        _artifacts = artifacts;
        _redactor = redactor;
        _time = time;
        _log = log;
    }

    /// <summary>Most records read when searching an environment's history, newest first.</summary>
    public int MaxScan { get; init; } = 200;

    public static string KeyOf(string environment, string id) => $"ledger/{environment}/{id}.json";

    /// <summary>Opens a new record (id sortable by start time) and writes it.</summary>
    public async Task<LedgerSession> StartAsync(DeploymentStart start, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(start);
        if (start.SkipTests && string.IsNullOrWhiteSpace(start.SkipTestsReason))
        {
            throw new ArgumentException("Skipping the tests needs a reason; it is recorded in the ledger.", nameof(start));
        }

        var now = _time.GetUtcNow();
        var record = new DeploymentRecord
        {
            Id = $"{now:yyyyMMdd'T'HHmmss'Z'}-{SafeVersion(start.Version)}-{Guid.NewGuid().ToString("N")[..6]}",
            Environment = start.Environment,
            Version = start.Version,
            Kind = start.Kind,
            GitCommit = start.GitCommit,
            Trigger = start.Trigger,
            ColourBefore = start.ColourBefore,
            ColourAfter = start.ColourAfter,
            PreviousVersion = start.PreviousVersion,
            StartedAt = now,
            SkipTests = start.SkipTests,
            SkipTestsReason = start.SkipTestsReason,
        };
        var session = new LedgerSession(this, record, null);
        await session.WriteAsync(cancellationToken).ConfigureAwait(false);
        _log.Information($"Ledger: deployment {record.Id} of {record.Version} to '{record.Environment}' opened ({KeyOf(record.Environment, record.Id)}).");
        return session;
    }

    /// <summary>Continues writing a record found unfinished (crash recovery).</summary>
    public LedgerSession Resume(StoredDeployment stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        _log.Information($"Ledger: continuing deployment {stored.Record.Id} of {stored.Record.Version} to '{stored.Record.Environment}'.");
        return new LedgerSession(this, stored.Record, stored.ETag);
    }

    /// <summary>The environment's records, newest first (at most <see cref="MaxScan"/>). Unreadable records are skipped with a warning.</summary>
    public async Task<IReadOnlyList<StoredDeployment>> ListAsync(string environment, CancellationToken cancellationToken = default)
    {
        var keys = await _store.ListAsync($"ledger/{environment}/", cancellationToken).ConfigureAwait(false);
        var result = new List<StoredDeployment>();
        foreach (var info in keys.Where(k => k.Key.EndsWith(".json", StringComparison.Ordinal)).OrderByDescending(k => k.Key, StringComparer.Ordinal).Take(MaxScan))
        {
            if (await ReadAsync(info.Key, cancellationToken).ConfigureAwait(false) is { } stored)
            {
                result.Add(stored);
            }
        }

        return result;
    }

    /// <summary>The newest Succeeded deployment of the environment (the version to roll back to), or null.</summary>
    public async Task<DeploymentRecord?> LatestSuccessfulAsync(string environment, string? excludingId = null, CancellationToken cancellationToken = default)
    {
        var all = await ListAsync(environment, cancellationToken).ConfigureAwait(false);
        return all.Select(s => s.Record).FirstOrDefault(r => r.Outcome == DeploymentOutcome.Succeeded && r.Id != excludingId);
    }

    /// <summary>The newest record still InProgress (a deployment that crashed or is running), or null.</summary>
    public async Task<StoredDeployment?> FindUnfinishedAsync(string environment, CancellationToken cancellationToken = default)
    {
        var all = await ListAsync(environment, cancellationToken).ConfigureAwait(false);
        return all.FirstOrDefault(s => s.Record.Outcome == DeploymentOutcome.InProgress);
    }

    private async Task<StoredDeployment?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        var content = await _store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return null;
        }

        try
        {
            return new StoredDeployment(DeploymentRecord.FromJson(Encoding.UTF8.GetString(content.Content)), content.Info.ETag);
        }
        catch (JsonException ex)
        {
            _log.Warning($"Ledger: {key} is not a deployment record ({ex.Message}); skipped.");
            return null;
        }
    }

    internal async Task<string?> PersistAsync(DeploymentRecord record, string? etag, Action<string> warn, CancellationToken cancellationToken)
    {
        var key = KeyOf(record.Environment, record.Id);
        _artifacts.WriteText(key, record.ToJson());
        var bytes = Encoding.UTF8.GetBytes(_redactor.Redact(record.ToJson()));
        try
        {
            if (etag is null)
            {
                if (await _store.CreateAsync(key, bytes, cancellationToken).ConfigureAwait(false) is { } created)
                {
                    return created;
                }

                // The key holds this record's id, which no other run generates: an earlier write of ours landed
                // although its answer was lost. Continue from the stored version.
                var landed = await _store.HeadAsync(key, cancellationToken).ConfigureAwait(false)
                    ?? throw new LedgerConflictException(key, new InvalidOperationException("the record was reported existing, then vanished"));
                etag = landed.ETag;
            }

            return await _store.ReplaceAsync(key, bytes, etag, cancellationToken).ConfigureAwait(false);
        }
        catch (ArtifactPreconditionFailedException ex)
        {
            throw new LedgerConflictException(key, ex);
        }
        catch (AwsServiceException ex)
        {
            warn($"Ledger: the store was unavailable for {key} at {_time.GetUtcNow():HH:mm:ss} UTC ({ex.ErrorCode}: {ex.ErrorMessage}); the local copy {_artifacts.PathOf(key)} is current.");
            return null;
        }
    }

    internal void WriteLocal(DeploymentRecord record) => _artifacts.WriteText(KeyOf(record.Environment, record.Id), record.ToJson());

    internal DateTimeOffset Now => _time.GetUtcNow();

    internal IBuildLog Log => _log;

    private static string SafeVersion(string version) =>
        new([.. version.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '-')]);
}

/// <summary>An open deployment record: each call updates it and writes it (local copy, then the store).</summary>
public sealed class LedgerSession
{
    private readonly DeploymentLedger _ledger;
    private readonly DeploymentRecord _record;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _etag;
    private bool _storeHasRecord;

    internal LedgerSession(DeploymentLedger ledger, DeploymentRecord record, string? etag)
    {
        _ledger = ledger;
        _record = record;
        _etag = etag;
        _storeHasRecord = etag is not null;
    }

    /// <summary>A copy of the record as last written.</summary>
    public DeploymentRecord Record => _record.Clone();

    public string Id => _record.Id;

    public string Key => DeploymentLedger.KeyOf(_record.Environment, _record.Id);

    /// <summary>False when the last write reached only the local copy.</summary>
    public bool StoreInSync { get; private set; }

    /// <summary>Starts a step (its outcome Running until <see cref="EndStepAsync"/>).</summary>
    public Task BeginStepAsync(string name, CancellationToken cancellationToken = default) =>
        UpdateAsync(r =>
        {
            if (r.Steps.LastOrDefault() is { Outcome: StepOutcome.Running } open)
            {
                throw new InvalidOperationException($"Step '{open.Name}' is still running; end it before starting '{name}'.");
            }

            r.Steps.Add(new DeploymentStepRecord { Name = name, StartedAt = _ledger.Now });
        }, cancellationToken);

    /// <summary>Ends the running step with its outcome and the facts it decided on.</summary>
    public Task EndStepAsync(StepOutcome outcome, IEnumerable<string>? facts = null, CancellationToken cancellationToken = default) =>
        UpdateAsync(r =>
        {
            var step = r.Steps.LastOrDefault(s => s.Outcome == StepOutcome.Running)
                ?? throw new InvalidOperationException("No step is running.");
            if (outcome == StepOutcome.Running)
            {
                throw new ArgumentException("A step ends Succeeded, Failed or Skipped.", nameof(outcome));
            }

            step.Outcome = outcome;
            step.EndedAt = _ledger.Now;
            step.Facts.AddRange(facts ?? []);
        }, cancellationToken);

    /// <summary>Adds facts to the running step (or the last step) and writes.</summary>
    public Task AddFactsAsync(IEnumerable<string> facts, CancellationToken cancellationToken = default) =>
        UpdateAsync(r => (r.Steps.LastOrDefault() ?? throw new InvalidOperationException("No step to add facts to.")).Facts.AddRange(facts), cancellationToken);

    /// <summary>Records a whole step at once (for steps decided without running anything, e.g. skipped tests).</summary>
    public async Task RecordStepAsync(string name, StepOutcome outcome, IEnumerable<string> facts, CancellationToken cancellationToken = default)
    {
        await BeginStepAsync(name, cancellationToken).ConfigureAwait(false);
        await EndStepAsync(outcome, facts, cancellationToken).ConfigureAwait(false);
    }

    public Task SetColoursAsync(DeploymentColour? before, DeploymentColour? after, CancellationToken cancellationToken = default) =>
        UpdateAsync(r =>
        {
            r.ColourBefore = before;
            r.ColourAfter = after;
        }, cancellationToken);

    /// <summary>Closes the record with its final outcome (a running step is closed Failed, or Succeeded when the deployment succeeded).</summary>
    public Task CloseAsync(DeploymentOutcome outcome, string? reason = null, CancellationToken cancellationToken = default) =>
        UpdateAsync(r =>
        {
            if (outcome == DeploymentOutcome.InProgress)
            {
                throw new ArgumentException("A closed deployment is Succeeded, Failed or RolledBack.", nameof(outcome));
            }

            foreach (var open in r.Steps.Where(s => s.Outcome == StepOutcome.Running))
            {
                open.Outcome = outcome == DeploymentOutcome.Succeeded ? StepOutcome.Succeeded : StepOutcome.Failed;
                open.EndedAt = _ledger.Now;
            }

            r.Outcome = outcome;
            r.Reason = reason;
            r.EndedAt = _ledger.Now;
            _ledger.Log.Information($"Ledger: deployment {r.Id} closed {outcome}{(reason is null ? string.Empty : $": {reason}")}.");
        }, cancellationToken);

    internal Task WriteAsync(CancellationToken cancellationToken) => UpdateAsync(_ => { }, cancellationToken);

    private async Task UpdateAsync(Action<DeploymentRecord> change, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            change(_record);
            var pending = new List<string>();
            var etag = await _ledger.PersistAsync(_record, _storeHasRecord ? _etag : null, pending.Add, cancellationToken).ConfigureAwait(false);
            if (etag is not null)
            {
                _etag = etag;
                _storeHasRecord = true;
                StoreInSync = true;
                return;
            }

            // Only the local copy was written: note it in the record (and locally), the store gets it on the next write.
            StoreInSync = false;
            foreach (var warning in pending)
            {
                _ledger.Log.Warning(warning);
                _record.Warnings.Add(warning);
            }

            _ledger.WriteLocal(_record);
        }
        finally
        {
            _gate.Release();
        }
    }
}
