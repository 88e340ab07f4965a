using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;
using Storytailor.Deploy;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("UploadArtifacts")]
[TaskDescription("Uploads the Lambda packages to the artifacts bucket (content-addressed)")]
[IsDependentOn(typeof(AcquireDeploymentLock))]
public sealed class UploadArtifacts : ProductionStage
{
    protected override string Step => DeploymentSteps.Upload;

    public override Task RunAsync(BuildContext context)
    {
        var run = RunOf(context);
        return new IdleColourStages(run.Runtime).UploadAsync(run);
    }
}
