using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;
using Storytailor.Deploy;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("DeployStaging")]
[TaskDescription("Staging deployment of --tag (default 0.0.0-<short commit>): lock, Ci gates from cache (Lint, Typecheck, UnitTests, Package), upload, Terraform plan and apply of the staging workspace, migrations (supabase db push to SUPABASE_DB_URL_STAGING), verify functions, integration/load/security/smoke tests; automatic rollback to the previous successful version on failure; ledger and Slack notices. --dry-run prints the plan")]
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
        var artifacts = context.ArtifactSource is { } source ? await owned.Runtime.ArtifactSources.PrepareAsync(source) : context.ArtifactsDirectory;
        var run = StagingRun.Read(context, artifacts);
        var request = new DeploymentRequest(run.Version, DeploymentRuntimeFactory.Trigger(context))
        {
            Artifacts = context.ArtifactSource,
            GitCommit = run.GitCommit,
            ForceUnlockId = context.Deploy.ForceUnlockId,
        };
        var report = await new StagingDeployment(owned.Runtime, run.Settings, context.Commands).DeployAsync(request, artifacts);
        DeploymentOutput.Finish(context, "DeployStaging", report);
    }
}

/// <summary>
/// What one DeployStaging run deploys, read the same way for a run and its dry run: the version (--tag, else
/// 0.0.0-&lt;short commit&gt;), the commit, and the staging settings with the database URL (registered as a secret).
/// </summary>
internal sealed record StagingRun(string Version, string? GitCommit, StagingSettings Settings)
{
    public static StagingRun Read(BuildContext context, string? artifacts = null)
    {
        var manifest = Path.Combine(artifacts ?? context.ArtifactSource?.Folder ?? context.ArtifactsDirectory, "manifest.json");
        var variables = context.Environment.GetEnvironmentVariables();
        var gitCommit = File.Exists(manifest) ? ArtifactManifest.Read(manifest).GitCommit : null;
        gitCommit ??= variables.TryGetValue("GITHUB_SHA", out var sha) && !string.IsNullOrWhiteSpace(sha) ? sha : null;
        var version = context.ReleaseVersion ?? StagingDeployment.DefaultVersion(gitCommit, TimeProvider.System.GetUtcNow());
        var databaseUrl = variables.TryGetValue("SUPABASE_DB_URL_STAGING", out var url) && !string.IsNullOrWhiteSpace(url) ? url.Trim() : null;
        context.Redactor.Register(databaseUrl);
        return new StagingRun(version, gitCommit, new StagingSettings(context.AppRoot, context.SupabaseCli, databaseUrl)
        {
            IntegrationScript = context.App.Scripts.IntegrationTest,
            SupabaseWorkdir = context.AppPath(context.App.Paths.SupabaseWorkdir),
            DeclaredMigrationsFolder = context.App.Paths.Migrations,
        });
    }
}
