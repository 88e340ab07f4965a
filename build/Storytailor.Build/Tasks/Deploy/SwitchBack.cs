using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("SwitchBack")]
[TaskDescription("Points the public record to the rollback target (INSYNC), then runs the smoke suite on the public URL")]
[IsDependentOn(typeof(RestoreRollbackTarget))]
public sealed class SwitchBack : RollbackStage
{
    protected override string? WhyNotRun(RollbackRun run) => run.WhyNotSwitch;

    public override Task RunAsync(BuildContext context)
    {
        var run = RunOf(context);
        return new OnCallRollback(run.Runtime).SwitchBackAsync(run);
    }
}
