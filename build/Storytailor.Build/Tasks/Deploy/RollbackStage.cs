using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;

namespace Storytailor.Build.Tasks.Deploy;

/// <summary>
/// A stage of Rollback, on the run state AcquireRollbackLock opened (context.RollbackRun). A stage that does not run
/// says why in the report; when a stage fails, Cake's OnError closes the rollback's ledger record Failed and releases
/// the lock, then fails the build (exit 1).
/// </summary>
public abstract class RollbackStage : DeploymentStage<RollbackRun>
{
    protected override string Target => "Rollback";

    protected override RollbackRun? RunIn(BuildContext context) => context?.RollbackRun;

    protected override Task<DeploymentReport> FailAsync(RollbackRun run, string stage, Exception failure) =>
        new OnCallRollback(run.Runtime).FailAsync(run, stage, failure);

    public override bool ShouldRun(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.RollbackRun is not { } run || WhyNotRun(run) is not { } reason || context.Skip(this, reason);
    }

    /// <summary>Why this stage does not run in <paramref name="run"/> (null: it runs).</summary>
    protected virtual string? WhyNotRun(RollbackRun run) => null;
}
