using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Core.Scripting;

namespace Cake.Frosting;

/// <summary>
/// The dry-run host: walks the graph as a run would, lists every task in order with what it would do
/// (run, or skipped with its reason, such as "cached (key …)" or "Skipped by --skip"), and executes none.
/// Setup and Teardown lifetimes still run, as on Cake's own dry run.
/// </summary>
internal sealed class DryRunListingHost(ICakeEngine engine, ICakeContext context, ICakeLog log, SkipReasons? reasons) : ScriptHost(engine, context)
{
    public override Task<CakeReport> RunTargetAsync(string target) => RunTargetsAsync([target]);

    public override async Task<CakeReport> RunTargetsAsync(IEnumerable<string> targets)
    {
        var names = targets.ToList();
        log.Information("Performing dry run...");
        log.Information("Targets are: {0}", string.Join(", ", names));
        log.Information(string.Empty);

        Settings.SetTargets(names);
        var report = await Engine.RunTargetAsync(Context, new DryRunListingStrategy(log, reasons), Settings).ConfigureAwait(false);

        log.Information(string.Empty);
        log.Information("This was a dry run.");
        log.Information("No tasks were actually executed.");
        return report;
    }
}

/// <summary>Numbers the tasks in the order the engine reaches them; a skipped one keeps its number and says why.</summary>
internal sealed class DryRunListingStrategy(ICakeLog log, SkipReasons? reasons) : IExecutionStrategy
{
    private int _number;

    public void PerformSetup(Action<ISetupContext> action, ISetupContext context) => action(context);

    public void PerformTeardown(Action<ITeardownContext> action, ITeardownContext teardownContext) => action(teardownContext);

    public Task ExecuteAsync(CakeTask task, ICakeContext context)
    {
        // A task that would run as a no-op (a requested target already cached) says so, as a skipped one does.
        if (reasons?.For(task.Name) is { } reason)
        {
            log.Information("{0}. {1}: would be skipped, {2}", ++_number, task.Name, reason);
        }
        else
        {
            log.Information("{0}. {1}", ++_number, task.Name);
        }

        return Task.CompletedTask;
    }

    public void Skip(CakeTask task, CakeTaskCriteria criteria)
    {
        var reason = reasons?.For(task.Name) ?? criteria.Message;
        log.Information("{0}. {1}: would be skipped, {2}", ++_number, task.Name, string.IsNullOrEmpty(reason) ? "its criteria are false" : reason);
    }

    public Task ReportErrorsAsync(Func<Exception, Task> action, Exception exception) => Task.CompletedTask;

    public Task HandleErrorsAsync(Func<Exception, ICakeContext, Task> action, Exception exception, ICakeContext context) => Task.CompletedTask;

    public Task InvokeFinallyAsync(Func<ICakeContext, Task> action, ICakeContext context) => Task.CompletedTask;

    public void PerformTaskSetup(Action<ITaskSetupContext> action, ITaskSetupContext taskSetupContext)
    {
    }

    public void PerformTaskTeardown(Action<ITaskTeardownContext> action, ITaskTeardownContext taskTeardownContext)
    {
    }
}
