using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;
using Storytailor.Deploy;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("VerifyFunctions")]
[TaskDescription("Checks every function of the idle colour runs the packaged code (CodeSha256)")]
[IsDependentOn(typeof(DeployIdleColour))]
public sealed class VerifyFunctions : ProductionStage
{
    protected override string Step => DeploymentSteps.VerifyFunctions;

    public override Task RunAsync(BuildContext context)
    {
        var run = RunOf(context);
        return new IdleColourStages(run.Runtime).VerifyAsync(run);
    }
}
