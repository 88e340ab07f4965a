using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;

namespace Storytailor.Build.Tasks.Deploy;

/// <summary>
/// A stage of DeployStaging, on the run state AcquireStagingLock opened (context.StagingRun). When a stage fails,
/// Cake's OnError rolls back automatically when the infrastructure had changed (else closes the ledger record), sends
/// the notice and releases the lock, then fails the build (exit 1).
/// </summary>
public abstract class StagingStage : DeploymentStage<StagingRun>
{
    protected override string Target => "DeployStaging";

    protected override StagingRun? RunIn(BuildContext context) => context?.StagingRun;

    protected override Task<DeploymentReport> FailAsync(StagingRun run, string stage, Exception failure) =>
        new StagingEnd(run.Runtime).FailAsync(run, stage, failure);

    /// <summary>The stages of the run, with the command runner the migrations and integration tests use.</summary>
    protected StagingStages StagesOf(BuildContext context) => new(RunOf(context).Runtime, context.Commands);
}
