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

    /// <summary>Set once the run has ended (the ledger closed, or refused): later stages do not run.</summary>
    DeploymentReport? Report { get; }
}

/// <summary>How a deployment run ends, whichever stage ended it.</summary>
public static class DeploymentRunEnd
{
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
