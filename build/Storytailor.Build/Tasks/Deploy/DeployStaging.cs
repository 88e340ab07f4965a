using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;
using Storytailor.Deploy;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("DeployStaging")]
[TaskDescription("Staging deployment of --tag (default 0.0.0-<short commit>): lock, Ci gates from cache (Lint, Typecheck, UnitTests, Package), upload, Terraform plan and apply of the staging workspace, migrations (supabase db push to SUPABASE_DB_URL_STAGING), verify functions, integration/load/security/smoke tests; automatic rollback to the previous successful version on failure; ledger and Slack notices")]
[IsDependentOn(typeof(Preflight.Preflight))]
[IsDependentOn(typeof(Ci.Lint))]
[IsDependentOn(typeof(Ci.Typecheck))]
[IsDependentOn(typeof(Ci.UnitTests))]
[IsDependentOn(typeof(Build.Package))]
public sealed class DeployStaging : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var owned = DeploymentRuntimeFactory.Create(context, DeploymentEnvironment.Staging);
        var manifest = Path.Combine(context.ArtifactsDirectory, "manifest.json");
        var variables = context.Environment.GetEnvironmentVariables();
        var gitCommit = File.Exists(manifest) ? ArtifactManifest.Read(manifest).GitCommit : null;
        gitCommit ??= variables.TryGetValue("GITHUB_SHA", out var sha) && !string.IsNullOrWhiteSpace(sha) ? sha : null;
        var version = context.ReleaseVersion ?? StagingDeployment.DefaultVersion(gitCommit, TimeProvider.System.GetUtcNow());
        var databaseUrl = variables.TryGetValue("SUPABASE_DB_URL_STAGING", out var url) && !string.IsNullOrWhiteSpace(url) ? url.Trim() : null;
        context.Redactor.Register(databaseUrl);
        var request = new DeploymentRequest(version, DeploymentRuntimeFactory.Trigger(context))
        {
            GitCommit = gitCommit,
            ForceUnlockId = context.Deploy.ForceUnlockId,
        };
        var staging = new StagingSettings(context.AppRoot, context.SupabaseCli, databaseUrl);
        var report = await new StagingDeployment(owned.Runtime, staging, context.Commands).DeployAsync(request, context.ArtifactsDirectory);
        DeploymentOutput.Finish(context, "DeployStaging", report);
    }
}
