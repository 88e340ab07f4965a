using Cake.Frosting;
using Storytailor.Build.Context;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("ApplyStaging")]
[TaskDescription("Terraform plan and apply of the staging workspace with the uploaded artifacts")]
[IsDependentOn(typeof(UploadStagingArtifacts))]
public sealed class ApplyStaging : StagingStage
{
    public override Task RunAsync(BuildContext context) => StagesOf(context).ApplyAsync(RunOf(context));
}
