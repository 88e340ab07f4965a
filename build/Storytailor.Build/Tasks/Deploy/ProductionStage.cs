using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;

namespace Storytailor.Build.Tasks.Deploy;

/// <summary>
/// A stage of DeployProduction, on the run state AcquireDeploymentLock opened (context.ProductionRun). A stage that
/// does not run says why in the report (resumed deployment, --skip-tests, first deployment). When a stage fails,
/// Cake's OnError closes the ledger record, sends the notice and releases the lock, then fails the build (exit 1).
/// </summary>
public abstract class ProductionStage : DeploymentStage<ProductionRun>
{
    /// <summary>The ledger step this stage writes (for the resume and skip decisions).</summary>
    protected abstract string Step { get; }

    protected override string Target => "DeployProduction";

    protected override ProductionRun? RunIn(BuildContext context) => context?.ProductionRun;

    protected override Task<DeploymentReport> FailAsync(ProductionRun run, string stage, Exception failure) =>
        new ReleaseStages(run.Runtime).FailAsync(run, stage, failure);

    public override bool ShouldRun(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.ProductionRun is not { } run)
        {
            return true; // a dry run lists the stage; a real run has opened the run state before this stage
        }

        if (run.WhyNotRun(Step) is not { } skip)
        {
            return true;
        }

        if (skip.RecordedByStage)
        {
            RecordSkippedAsync(run).GetAwaiter().GetResult();
        }

        return context.Skip(this, skip.Reason);
    }

    /// <summary>The stage's own skip written to the ledger as its skipped step.</summary>
    protected virtual Task RecordSkippedAsync(ProductionRun run) => Task.CompletedTask;
}
