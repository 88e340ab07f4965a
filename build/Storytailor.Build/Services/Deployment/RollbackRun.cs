using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>
/// The run state of one on-call Rollback, shared by its stage tasks through the build context: the request, the live
/// colour and the decision (target, the deployment rolled back, an unfinished one it closes), the lock, the ledger
/// session, whether the target's stack still exists and, once the run ended, its report.
/// </summary>
public sealed class RollbackRun(DeploymentRuntime runtime, DeploymentRequest request) : IDeploymentRun
{
    public DeploymentRuntime Runtime { get; } = runtime;

    public DeploymentRequest Request { get; } = request;

    /// <summary>What the runtime owns (AWS and HTTP clients), disposed when the run ends.</summary>
    public IDisposable? Resources { get; init; }

    public void Dispose() => Resources?.Dispose();

    public DateTimeOffset StartedAt { get; set; } = runtime.Time.GetUtcNow();

    public DeploymentLockInfo? Lock { get; set; }

    public bool LockReleased { get; set; }

    public LedgerSession? Session { get; set; }

    public LiveColour? Live { get; set; }

    /// <summary>The colour the record goes back to.</summary>
    public DeploymentColour Target { get; set; }

    /// <summary>The deployment rolled back (the newest successful one, or the unfinished one that had switched).</summary>
    public DeploymentRecord? RolledBack { get; set; }

    /// <summary>An unfinished deployment this rollback closes RolledBack.</summary>
    public StoredDeployment? Unfinished { get; set; }

    /// <summary>True when the target's stack still exists: only the record is switched back.</summary>
    public bool StackExists { get; set; }

    /// <summary>The version the target runs (restored to it when it was cleaned up).</summary>
    public string Version { get; set; } = "unknown";

    public DeploymentReport? Report { get; set; }

    /// <summary>Why the stage restoring the target does not run (null: it runs).</summary>
    public string? WhyNotRestore => Report is { Succeeded: true } ended
        ? $"nothing to do: {ended.Summary}"
        : StackExists ? $"{Target.Name()} still exists: only the record is switched back" : null;

    /// <summary>Why the switch back does not run (null: it runs).</summary>
    public string? WhyNotSwitch => Report is { Succeeded: true } ended ? $"nothing to do: {ended.Summary}" : null;
}
