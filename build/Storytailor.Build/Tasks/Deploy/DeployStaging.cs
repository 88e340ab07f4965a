using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("DeployStaging")]
[TaskDescription("Staging deployment of --tag (default 0.0.0-<short commit>), stage by stage (see --tree); --dryrun prints the plan")]
[IsDependentOn(typeof(StagingSmokeTests))]
public sealed class DeployStaging : StagingStage
{
    public override Task RunAsync(BuildContext context)
    {
        var run = RunOf(context);
        return EndAsync(context, run, r => new StagingEnd(r.Runtime).SucceedAsync(r));
    }
}
