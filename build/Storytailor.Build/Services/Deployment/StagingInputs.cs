using Storytailor.Build.Context;
using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>
/// What one DeployStaging run deploys, read the same way for a run and its dry run: the version (--tag, else
/// 0.0.0-&lt;short commit&gt;), the commit, and the staging settings with the database URL (registered as a secret).
/// </summary>
public sealed record StagingInputs(string Version, string? GitCommit, StagingSettings Settings)
{
    public static StagingInputs Read(BuildContext context)
    {
        var manifest = Path.Combine(context.ArtifactsDirectory, "manifest.json");
        var variables = context.Environment.GetEnvironmentVariables();
        var gitCommit = File.Exists(manifest) ? ArtifactManifest.Read(manifest).GitCommit : null;
        gitCommit ??= variables.TryGetValue("GITHUB_SHA", out var sha) && !string.IsNullOrWhiteSpace(sha) ? sha : null;
        var version = context.ReleaseVersion ?? StagingStages.DefaultVersion(gitCommit, TimeProvider.System.GetUtcNow());
        var databaseUrl = variables.TryGetValue("SUPABASE_DB_URL_STAGING", out var url) && !string.IsNullOrWhiteSpace(url) ? url.Trim() : null;
        context.Redactor.Register(databaseUrl);
        return new StagingInputs(version, gitCommit, new StagingSettings(context.AppRoot, context.SupabaseCli, databaseUrl)
        {
            IntegrationScript = context.App.Scripts.IntegrationTest,
            SupabaseWorkdir = context.AppPath(context.App.Paths.SupabaseWorkdir),
        });
    }
}
