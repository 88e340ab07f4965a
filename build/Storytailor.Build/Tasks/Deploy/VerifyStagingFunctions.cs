using Cake.Frosting;
using Storytailor.Build.Context;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("VerifyStagingFunctions")]
[TaskDescription("Checks every staging function runs the packaged code (CodeSha256)")]
[IsDependentOn(typeof(MigrateStaging))]
public sealed class VerifyStagingFunctions : StagingStage
{
    public override Task RunAsync(BuildContext context) => StagesOf(context).VerifyAsync(RunOf(context));
}
