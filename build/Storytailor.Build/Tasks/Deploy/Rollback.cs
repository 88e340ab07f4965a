using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("Rollback")]
[TaskDescription("On-call rollback of --environment=production to the colour live before the newest deployment")]
[IsDependentOn(typeof(SwitchBack))]
public sealed class Rollback : RollbackStage
{
    public override bool ShouldRun(BuildContext context) => true;

    public override Task RunAsync(BuildContext context)
    {
        var run = RunOf(context);
        return EndAsync(context, run, r => new OnCallRollback(r.Runtime).SucceedAsync(r));
    }
}
