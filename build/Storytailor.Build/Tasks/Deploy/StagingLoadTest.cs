using Cake.Frosting;
using Storytailor.Build.Context;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("StagingLoadTest")]
[TaskDescription("Load test (staging profile) against the staging endpoint")]
[IsDependentOn(typeof(IntegrationTests))]
public sealed class StagingLoadTest : StagingStage
{
    public override Task RunAsync(BuildContext context) => StagesOf(context).LoadTestAsync(RunOf(context));
}
