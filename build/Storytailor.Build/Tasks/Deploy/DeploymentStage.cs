using System.Reflection;
using System.Runtime.ExceptionServices;
using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;

namespace Storytailor.Build.Tasks.Deploy;

/// <summary>
/// A stage of a deployment target (DeployProduction, DeployStaging, Rollback) on the run state its first stage opened.
/// When a stage fails, Cake's OnError ends the run (<see cref="FailAsync"/>: the ledger closed, the notice sent, or
/// the target's automatic rollback), releases the lock and fails the build (exit 1). The target's own task ends a run
/// whose stages all passed with <see cref="EndAsync"/>.
/// </summary>
public abstract class DeploymentStage<TRun> : AsyncFrostingTask<BuildContext>
    where TRun : class, IDeploymentRun
{
    /// <summary>The deployment target this stage belongs to (its name starts the summary line).</summary>
    protected abstract string Target { get; }

    /// <summary>The run state in the context (null before the first stage ran, and in dry runs).</summary>
    protected abstract TRun? RunIn(BuildContext context);

    /// <summary>Ends the run after <paramref name="failure"/> in <paramref name="stage"/>; a run that already ended keeps its report.</summary>
    protected abstract Task<DeploymentReport> FailAsync(TRun run, string stage, Exception failure);

    public override void OnError(Exception exception, BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var failure = Unwrap(exception);
        if (RunIn(context) is not { } run)
        {
            ExceptionDispatchInfo.Throw(failure);
            return;
        }

        DeploymentReport report;
        try
        {
            report = FailAsync(run, BuildContext.TaskCatalogName(GetType()), failure).GetAwaiter().GetResult();
        }
        finally
        {
            DeploymentRunEnd.ReleaseLockAsync(run).GetAwaiter().GetResult();
            run.Dispose();
        }

        DeploymentOutput.Finish(context, Target, report);
        ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>Every stage passed: <paramref name="succeed"/> closes the run, then the lock is released and the summary printed.</summary>
    protected async Task EndAsync(BuildContext context, TRun run, Func<TRun, Task<DeploymentReport>> succeed)
    {
        ArgumentNullException.ThrowIfNull(succeed);
        var report = await succeed(run).ConfigureAwait(false); // a failure here is this stage's: OnError closes the run
        await DeploymentRunEnd.ReleaseLockAsync(run).ConfigureAwait(false);
        run.Dispose();
        DeploymentOutput.Finish(context, Target, report);
    }

    /// <summary>The run state of this deployment.</summary>
    protected TRun RunOf(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return RunIn(context) ?? throw new InvalidOperationException($"The {Target} run was not started: its first stage did not run.");
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
