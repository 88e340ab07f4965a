using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;
using Storytailor.Deploy;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("Rollback")]
[TaskDescription("On-call rollback of --environment=production to the colour live before the newest deployment")]
[IsDependentOn(typeof(Preflight.Preflight))]
public sealed class Rollback : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.DeploymentEnvironment != DeploymentEnvironment.Production)
        {
            throw new Cake.Core.CakeException(ExitCodes.Usage, "Rollback switches blue/green colours: run it with --environment=production. Staging rolls back automatically inside DeployStaging.");
        }

        using var owned = DeploymentRuntimeFactory.Create(context, DeploymentEnvironment.Production);
        var request = new DeploymentRequest("rollback", DeploymentRuntimeFactory.Trigger(context))
        {
            ForceUnlockId = context.Deploy.ForceUnlockId,
            ToVersion = context.Deploy.ToVersion,
        };
        var report = await new OnCallRollback(owned.Runtime).RollbackAsync(request);
        DeploymentOutput.Finish(context, "Rollback", report);
    }
}
