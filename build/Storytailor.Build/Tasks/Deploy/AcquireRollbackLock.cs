using Cake.Core;
using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;
using Storytailor.Build.Services.Stages;
using Storytailor.Deploy;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("AcquireRollbackLock")]
[TaskDescription("Decides where Rollback goes, takes production's deployment lock and opens the rollback's ledger record")]
[IsDependentOn(typeof(Preflight.Preflight))]
public sealed class AcquireRollbackLock : RollbackStage
{
    public override async Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.DeploymentEnvironment != DeploymentEnvironment.Production)
        {
            throw new CakeException(ExitCodes.Usage, "Rollback switches blue/green colours: run it with --environment=production. Staging rolls back automatically inside DeployStaging.");
        }

        var owned = DeploymentRuntimeFactory.Create(context, DeploymentEnvironment.Production);
        var request = new DeploymentRequest("rollback", DeploymentRuntimeFactory.Trigger(context))
        {
            ForceUnlockId = context.Deploy.ForceUnlockId,
            ToVersion = context.Deploy.ToVersion,
        };
        var run = new RollbackRun(owned.Runtime, request) { Resources = owned };
        context.RollbackRun = run;
        await new OnCallRollback(run.Runtime).StartAsync(run);
        if (run.Report is { Succeeded: false } refused)
        {
            throw StageFailure.Because(refused.Summary); // OnError releases what was taken and reports it
        }
    }
}
