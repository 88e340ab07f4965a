using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("PlanProduction")]
[TaskDescription("Prints what DeployProduction would do, from reads only (the dry run on any Cake host)")]
public sealed class PlanProduction : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ReleaseTagGate.Ensure(context);
        DeploymentDryRun.Print(context, DeploymentDryRun.DeployProduction);
    }
}
