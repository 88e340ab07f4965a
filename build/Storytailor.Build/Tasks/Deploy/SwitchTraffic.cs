using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;
using Storytailor.Deploy;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("SwitchTraffic")]
[TaskDescription("Points the public DNS record to the idle colour and waits for INSYNC")]
[IsDependentOn(typeof(TestIdleColour))]
public sealed class SwitchTraffic : ProductionStage
{
    protected override string Step => DeploymentSteps.Switch;

    public override Task RunAsync(BuildContext context)
    {
        var run = RunOf(context);
        return new IdleColourStages(run.Runtime).SwitchAsync(run);
    }
}
