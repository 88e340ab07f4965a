using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("DeployStaging")]
[TaskDescription("Staging deployment of --tag (default 0.0.0-<short commit>), stage by stage (see --tree); --dryrun prints the plan")]
[IsDependentOn(typeof(StagingSmokeTests))]
public sealed class DeployStaging : StagingStage
{
    public override async Task RunAsync(BuildContext context)
    {
        var run = RunOf(context);
        var end = new StagingEnd(run.Runtime);
        var report = await end.SucceedAsync(run);
        await end.ReleaseLockAsync(run);
        run.Dispose();
        DeploymentOutput.Finish(context, "DeployStaging", report);
    }
}
