using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("DeployProduction")]
[TaskDescription("Blue/green production deployment of --tag, stage by stage (see --tree); --dryrun prints the plan")]
[IsDependentOn(typeof(CleanupOldColour))]
public sealed class DeployProduction : ProductionStage
{
    protected override string Step => "close";

    public override bool ShouldRun(BuildContext context) => true;

    public override Task RunAsync(BuildContext context)
    {
        var run = RunOf(context);
        return EndAsync(context, run, r => new ReleaseStages(r.Runtime).SucceedAsync(r));
    }
}
