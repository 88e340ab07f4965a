using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("PlanRollback")]
[TaskDescription("Prints what Rollback would do, from reads only (the dry run on any Cake host)")]
public sealed class PlanRollback : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        DeploymentDryRun.Print(context, DeploymentDryRun.Rollback);
    }
}
