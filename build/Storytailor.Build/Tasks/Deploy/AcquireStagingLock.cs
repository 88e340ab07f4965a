using Cake.Frosting;
using Storytailor.Build.Services.Stages;
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
        var artifacts = context.ArtifactSource is { } source ? await owned.Runtime.ArtifactSources.PrepareAsync(source) : context.ArtifactsDirectory;
        var inputs = StagingInputs.Read(context, artifacts);
        var request = new DeploymentRequest(inputs.Version, DeploymentRuntimeFactory.Trigger(context))
        {
            Artifacts = context.ArtifactSource,
            GitCommit = inputs.GitCommit,
            ForceUnlockId = context.Deploy.ForceUnlockId,
        };
        var run = new StagingRun(owned.Runtime, request, inputs.Settings, artifacts) { Resources = owned };
        context.StagingRun = run;
        await new StagingStart(run.Runtime).StartAsync(run);
        if (run.Report is { Succeeded: false } refused)
        {
            throw StageFailure.Because(refused.Summary); // OnError releases what was taken and reports it
        }
    }
}
