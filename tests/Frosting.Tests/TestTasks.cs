using Cake.Core;
using Cake.Frosting;

namespace Frosting.Tests;

public sealed class HostTestContext(ICakeContext context, ExecutionLog log) : FrostingContext(context)
{
    public ExecutionLog Executed { get; } = log;

    public bool Flag { get; set; } = true;
}

public abstract class RecordingTask : FrostingTask<HostTestContext>
{
    public override void Run(HostTestContext context) => context.Executed.Add(TaskCatalog.NameOf(GetType()));
}

[TaskName("Compile")]
[TaskDescription("Compiles things")]
public sealed class CompileTask : RecordingTask;

[TaskName("Test")]
[IsDependentOn(typeof(CompileTask))]
public sealed class TestTask : RecordingTask;

[TaskName("Package")]
[IsDependentOn(typeof(TestTask))]
public sealed class PackageTask : RecordingTask;

[TaskName("Default")]
[IsDependentOn(typeof(PackageTask))]
public sealed class DefaultTask : RecordingTask;

[TaskName("Lint")]
[IsDependeeOf(typeof(TestTask))]
public sealed class LintTask : RecordingTask;

[TaskName("Conditional")]
[IsDependentOn(typeof(CompileTask))]
public sealed class ConditionalTask : RecordingTask
{
    public override bool ShouldRun(HostTestContext context) => !context.Flag;
}

[TaskName("AfterConditional")]
[IsDependentOn(typeof(ConditionalTask))]
public sealed class AfterConditionalTask : RecordingTask;

[TaskName("Failing")]
[IsDependentOn(typeof(CompileTask))]
public sealed class FailingTask : FrostingTask<HostTestContext>
{
    public override void Run(HostTestContext context) => throw new InvalidOperationException("the widget broke");

    public override void Finally(HostTestContext context) => context.Executed.Add("Failing.Finally");
}

[TaskName("AfterFailing")]
[IsDependentOn(typeof(FailingTask))]
public sealed class AfterFailingTask : RecordingTask;

[TaskName("Handled")]
public sealed class HandledTask : FrostingTask<HostTestContext>
{
    public override void Run(HostTestContext context) => throw new InvalidOperationException("handled failure");

    public override void OnError(Exception exception, HostTestContext context) => context.Executed.Add($"Handled.OnError: {exception.Message}");
}

[TaskName("Tolerated")]
[ContinueOnError]
public sealed class ToleratedTask : FrostingTask<HostTestContext>
{
    public override void Run(HostTestContext context) => throw new InvalidOperationException("tolerated failure");
}

[TaskName("AfterTolerated")]
[IsDependentOn(typeof(ToleratedTask))]
public sealed class AfterToleratedTask : RecordingTask;

[TaskName("Async")]
public sealed class AsyncTask : AsyncFrostingTask<HostTestContext>
{
    public override async Task RunAsync(HostTestContext context)
    {
        await Task.Yield();
        context.Executed.Add("Async");
    }
}

[TaskName("UsesService")]
public sealed class ServiceTask(ExecutionLog log) : FrostingTask<HostTestContext>
{
    public override void Run(HostTestContext context) => log.Add($"UsesService in {context.Environment.WorkingDirectory.GetDirectoryName()}");
}

public sealed class RecordingLifetime(ExecutionLog log) : FrostingLifetime<HostTestContext>
{
    public override void Setup(HostTestContext context, ISetupContext info) => log.Add($"Setup:{info.TargetTask.Name}");

    public override void Teardown(HostTestContext context, ITeardownContext info) => log.Add($"Teardown:{(info.Successful ? "ok" : "failed")}");
}

public sealed class RecordingTaskLifetime(ExecutionLog log) : FrostingTaskLifetime<HostTestContext>
{
    public override void Setup(HostTestContext context, ITaskSetupContext info) => log.Add($"TaskSetup:{info.Task.Name}");

    public override void Teardown(HostTestContext context, ITaskTeardownContext info) => log.Add($"TaskTeardown:{info.Task.Name}");
}

[TaskName("Misconfigured")]
public sealed class MisconfiguredTask : FrostingTask<HostTestContext>
{
    public override void Run(HostTestContext context) => throw new CakeException(2, "secret X is missing");
}

public sealed class DryRunAwareLifetime(ExecutionLog log) : FrostingLifetime<HostTestContext>
{
    public override void Setup(HostTestContext context, ISetupContext info) =>
        log.Add($"Setup:{info.TargetTask.Name} dryrun={context.Arguments.HasArgument("dryrun")}".Replace("True", "true", StringComparison.Ordinal));

    public override void Teardown(HostTestContext context, ITeardownContext info) => log.Add("Teardown");
}
