using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>
/// What every deployment run state (<see cref="ProductionRun"/>, <see cref="StagingRun"/>, <see cref="RollbackRun"/>)
/// shares: its runtime, the lock it holds (released once, whichever stage ended the run) and, once it ended, its report.
/// </summary>
public interface IDeploymentRun : IDisposable
{
    DeploymentRuntime Runtime { get; }

    DeploymentLockInfo? Lock { get; }

    /// <summary>True once the lock was released.</summary>
    bool LockReleased { get; set; }

    /// <summary>The run's ledger record (null until its first stage opened it).</summary>
    LedgerSession? Session { get; }

    /// <summary>Set once the run has ended (the ledger closed, or refused): later stages do not run.</summary>
    DeploymentReport? Report { get; set; }
}

/// <summary>How a deployment run ends, whichever stage ended it.</summary>
public static class DeploymentRunEnd
{
    /// <summary>
    /// The report of a failed run that needs no ledger closing: one that had already ended keeps its report; one that
    /// failed before its ledger record opened is refused with the stage and cause. Null: the caller closes the record.
    /// </summary>
    public static DeploymentReport? EndedBeforeFailure(IDeploymentRun run, string stage, Exception failure)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(failure);
        if (run.Report is { } ended)
        {
            return ended;
        }

        if (run.Session is null)
        {
            run.Report = new DeploymentReport(false, null, $"{stage}: {failure.Message}") { Refused = true };
            return run.Report;
        }

        return null;
    }

    /// <summary>Releases the environment's lock once.</summary>
    public static async Task ReleaseLockAsync(IDeploymentRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Lock is { } held && !run.LockReleased)
        {
            run.LockReleased = true;
            await run.Runtime.Lock.ReleaseAsync(held.LockId, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
