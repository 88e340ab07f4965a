using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;
using Storytailor.Deploy;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("DeployIdleColour")]
[TaskDescription("Terraform plan and apply of the idle colour's workspace with the uploaded artifacts")]
[IsDependentOn(typeof(MigrateProductionDatabase))]
public sealed class DeployIdleColour : ProductionStage
{
    protected override string Step => DeploymentSteps.Apply;

    public override Task RunAsync(BuildContext context)
    {
        var run = RunOf(context);
        return new IdleColourStages(run.Runtime).ApplyAsync(run);
    }
}
