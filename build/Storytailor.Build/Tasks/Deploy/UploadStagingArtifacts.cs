using Cake.Frosting;
using Storytailor.Build.Context;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("UploadStagingArtifacts")]
[TaskDescription("Uploads the Lambda packages for staging to the artifacts bucket (content-addressed)")]
[IsDependentOn(typeof(AcquireStagingLock))]
public sealed class UploadStagingArtifacts : StagingStage
{
    public override Task RunAsync(BuildContext context) => StagesOf(context).UploadAsync(RunOf(context));
}
