using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("RestoreRollbackTarget")]
[TaskDescription("A cleaned-up rollback target: applies the version it ran, verifies, warms up and tests it")]
[IsDependentOn(typeof(AcquireRollbackLock))]
public sealed class RestoreRollbackTarget : RollbackStage
{
    protected override string? WhyNotRun(RollbackRun run) => run.WhyNotRestore;

    public override Task RunAsync(BuildContext context)
    {
        var run = RunOf(context);
        return new OnCallRollback(run.Runtime).RestoreAsync(run);
    }
}
