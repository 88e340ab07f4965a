using Cake.Core;
using Cake.Frosting;
using Storytailor.Build.Services.Stages;
using Storytailor.Build.Context;
using Storytailor.Core;
using Storytailor.Build.Services.Deployment;
using Storytailor.Deploy;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("AcquireDeploymentLock")]
[TaskDescription("Takes production's deployment lock, recovers an unfinished deployment and opens the ledger record")]
[IsDependentOn(typeof(Preflight.Preflight))]
[IsDependentOn(typeof(Ci.Lint))]
[IsDependentOn(typeof(Ci.Typecheck))]
[IsDependentOn(typeof(Ci.UnitTests))]
[IsDependentOn(typeof(Security.SecretScan))]
[IsDependentOn(typeof(Security.SecurityAudit))]
[IsDependentOn(typeof(Database.Database))]
[IsDependentOn(typeof(Build.Package))]
public sealed class AcquireDeploymentLock : ProductionStage
{
    protected override string Step => DeploymentSteps.Preflight;

    public override async Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var version = context.ReleaseVersion ?? throw new CakeException(ExitCodes.Usage, "DeployProduction needs --tag=vX.Y.Z.");
        var owned = DeploymentRuntimeFactory.Create(context, DeploymentEnvironment.Production);
        var artifacts = context.ArtifactSource is { } source ? await owned.Runtime.ArtifactSources.PrepareAsync(source) : context.ArtifactsDirectory;
        var manifest = ArtifactPaths.ManifestIn(artifacts);
        var request = new DeploymentRequest(version, DeploymentRuntimeFactory.Trigger(context))
        {
            Artifacts = context.ArtifactSource,
            GitCommit = File.Exists(manifest) ? ArtifactManifest.Read(manifest).GitCommit : null,
            SkipTests = context.SkipTests,
            SkipTestsReason = context.SkipTests ? context.SkipTestsReason : null,
            ForceUnlockId = context.Deploy.ForceUnlockId,
            Supersede = context.Deploy.Supersede,
        };
        var run = new ProductionRun(owned.Runtime, request, artifacts) { Resources = owned };
        context.ProductionRun = run;
        await new ProductionStart(run.Runtime).StartAsync(run);
        if (run.Report is { Succeeded: false } refused)
        {
            throw StageFailure.Because(refused.Summary); // OnError releases what was taken and reports it
        }
    }
}
