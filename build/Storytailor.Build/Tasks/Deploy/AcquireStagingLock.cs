using Cake.Frosting;
using Storytailor.Build.Adapters.Npm;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;
using Storytailor.Deploy;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("AcquireStagingLock")]
[TaskDescription("Takes staging's deployment lock, closes an unfinished record and opens the ledger record")]
[IsDependentOn(typeof(Preflight.Preflight))]
[IsDependentOn(typeof(Ci.Lint))]
[IsDependentOn(typeof(Ci.Typecheck))]
[IsDependentOn(typeof(Ci.UnitTests))]
[IsDependentOn(typeof(Build.Package))]
public sealed class AcquireStagingLock : StagingStage
{
    public override async Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owned = DeploymentRuntimeFactory.Create(context, DeploymentEnvironment.Staging);
        var inputs = StagingInputs.Read(context);
        var request = new DeploymentRequest(inputs.Version, DeploymentRuntimeFactory.Trigger(context))
        {
            GitCommit = inputs.GitCommit,
            ForceUnlockId = context.Deploy.ForceUnlockId,
        };
        var run = new StagingRun(owned.Runtime, request, inputs.Settings, context.ArtifactsDirectory) { Resources = owned };
        context.StagingRun = run;
        await new StagingStart(run.Runtime).StartAsync(run);
        if (run.Report is { Succeeded: false } refused)
        {
            throw StageFailure.Because(refused.Summary); // OnError releases what was taken and reports it
        }
    }
}
