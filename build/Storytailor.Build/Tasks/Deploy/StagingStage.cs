using System.Reflection;
using System.Runtime.ExceptionServices;
using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;

namespace Storytailor.Build.Tasks.Deploy;

/// <summary>
/// A stage of DeployStaging, on the run state AcquireStagingLock opened (context.StagingRun). When a stage fails,
/// Cake's OnError rolls back automatically when the infrastructure had changed (else closes the ledger record), sends
/// the notice and releases the lock, then fails the build (exit 1).
/// </summary>
public abstract class StagingStage : AsyncFrostingTask<BuildContext>
{
    public override void OnError(Exception exception, BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var failure = Unwrap(exception);
        if (context.StagingRun is not { } run)
        {
            ExceptionDispatchInfo.Throw(failure);
            return;
        }

        var end = new StagingEnd(run.Runtime);
        DeploymentReport report;
        try
        {
            report = end.FailAsync(run, BuildContext.TaskCatalogName(GetType()), failure).GetAwaiter().GetResult();
        }
        finally
        {
            end.ReleaseLockAsync(run).GetAwaiter().GetResult();
            run.Dispose();
        }

        DeploymentOutput.Finish(context, "DeployStaging", report);
        ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>The run state of this DeployStaging.</summary>
    protected static StagingRun RunOf(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.StagingRun ?? throw new InvalidOperationException("The staging deployment was not started: AcquireStagingLock did not run.");
    }

    /// <summary>The stages of the run, with the command runner the migrations and integration tests use.</summary>
    protected static StagingStages StagesOf(BuildContext context) => new(RunOf(context).Runtime, context.Commands);

    private static Exception Unwrap(Exception exception)
    {
        while (exception is AggregateException or TargetInvocationException && exception.InnerException is not null)
        {
            exception = exception.InnerException!;
        }

        return exception;
    }
}
