using Cake.Frosting;
using Storytailor.Build.Context;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("StagingSecurityTests")]
[TaskDescription("Security probes against the staging endpoint")]
[IsDependentOn(typeof(StagingLoadTest))]
public sealed class StagingSecurityTests : StagingStage
{
    public override Task RunAsync(BuildContext context) => StagesOf(context).SecurityTestAsync(RunOf(context));
}
