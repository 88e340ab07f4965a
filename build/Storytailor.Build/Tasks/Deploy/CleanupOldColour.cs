using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;
using Storytailor.Deploy;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("CleanupOldColour")]
[TaskDescription("Destroys the old colour's workspace when the cleanup guard allows it")]
[IsDependentOn(typeof(MonitorRelease))]
public sealed class CleanupOldColour : ProductionStage
{
    protected override string Step => DeploymentSteps.Cleanup;

    public override Task RunAsync(BuildContext context)
    {
        var run = RunOf(context);
        return new ReleaseStages(run.Runtime).CleanupAsync(run);
    }

    protected override Task RecordSkippedAsync(ProductionRun run) => new ReleaseStages(run.Runtime).RecordCleanupSkippedAsync(run);
}
