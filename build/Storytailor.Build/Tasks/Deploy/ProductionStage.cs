using System.Reflection;
using System.Runtime.ExceptionServices;
using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;

namespace Storytailor.Build.Tasks.Deploy;

/// <summary>
/// A stage of DeployProduction, on the run state AcquireDeploymentLock opened (context.ProductionRun). A stage that
/// does not run says why in the report (resumed deployment, --skip-tests, first deployment). When a stage fails,
/// Cake's OnError closes the ledger record, sends the notice and releases the lock, then fails the build (exit 1).
/// </summary>
public abstract class ProductionStage : AsyncFrostingTask<BuildContext>
{
    /// <summary>The ledger step this stage writes (for the resume and skip decisions).</summary>
    protected abstract string Step { get; }

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

    public override void OnError(Exception exception, BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var failure = Unwrap(exception);
        if (context.ProductionRun is not { } run)
        {
            ExceptionDispatchInfo.Throw(failure);
            return;
        }

        var release = new ReleaseStages(run.Runtime);
        DeploymentReport report;
        try
        {
            report = release.FailAsync(run, BuildContext.TaskCatalogName(GetType()), failure).GetAwaiter().GetResult();
        }
        finally
        {
            release.ReleaseLockAsync(run).GetAwaiter().GetResult();
            run.Dispose();
        }

        DeploymentOutput.Finish(context, "DeployProduction", report);
        ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>The stage's own skip written to the ledger as its skipped step.</summary>
    protected virtual Task RecordSkippedAsync(ProductionRun run) => Task.CompletedTask;

    /// <summary>The run state of this DeployProduction.</summary>
    protected static ProductionRun RunOf(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.ProductionRun ?? throw new InvalidOperationException("The deployment was not started: AcquireDeploymentLock did not run.");
    }

    private static Exception Unwrap(Exception exception)
    {
        while (exception is AggregateException or TargetInvocationException && exception.InnerException is not null)
        {
            exception = exception.InnerException!;
        }

        return exception;
    }
}
