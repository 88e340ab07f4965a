using Cake.Frosting;
using Storytailor.Build.Context;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("IntegrationTests")]
[TaskDescription("Runs the app's integration tests against the staging endpoint")]
[IsDependentOn(typeof(VerifyStagingFunctions))]
public sealed class IntegrationTests : StagingStage
{
    public override Task RunAsync(BuildContext context) => StagesOf(context).IntegrationTestAsync(RunOf(context));
}
