using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;
using Storytailor.Deploy;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("WarmUp")]
[TaskDescription("Invokes every function of the idle colour once with a warm-up event")]
[IsDependentOn(typeof(VerifyFunctions))]
public sealed class WarmUp : ProductionStage
{
    protected override string Step => DeploymentSteps.Warmup;

    public override Task RunAsync(BuildContext context)
    {
        var run = RunOf(context);
        return new IdleColourStages(run.Runtime).WarmUpAsync(run);
    }
}
