using Cake.Frosting;
using Storytailor.Build.Context;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("StagingSmokeTests")]
[TaskDescription("Smoke suite against the staging endpoint")]
[IsDependentOn(typeof(StagingSecurityTests))]
public sealed class StagingSmokeTests : StagingStage
{
    public override Task RunAsync(BuildContext context) => StagesOf(context).SmokeTestAsync(RunOf(context));
}
