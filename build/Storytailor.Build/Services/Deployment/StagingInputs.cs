using Storytailor.Build.Context;
using Storytailor.Core;
using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>
/// What one DeployStaging run deploys, read the same way for a run and its dry run: the version (--tag, else
/// 0.0.0-&lt;short commit&gt;), the commit, and the staging settings with the database URL (registered as a secret).
/// </summary>
public sealed record StagingInputs(string Version, string? GitCommit, StagingSettings Settings)
{
    /// <param name="context">The build.</param>
    /// <param name="artifacts">The folder of the artifacts deployed (a promoted set's download); null: the one a dry run would use.</param>
    public static StagingInputs Read(BuildContext context, string? artifacts = null)
    {
        var manifest = ArtifactPaths.ManifestIn(artifacts ?? context.ArtifactSource?.Folder ?? context.ArtifactsDirectory);
        var gitCommit = File.Exists(manifest) ? ArtifactManifest.Read(manifest).GitCommit : null;
        gitCommit ??= context.Variables.GitHubSha;
        var version = context.ReleaseVersion ?? StagingStages.DefaultVersion(gitCommit, TimeProvider.System.GetUtcNow());
        var databaseUrl = context.Variables.StagingDatabaseUrl;
        context.Redactor.Register(databaseUrl);
        return new StagingInputs(version, gitCommit, new StagingSettings(context.AppRoot, context.SupabaseCli, databaseUrl)
        {
            IntegrationScript = context.App.Scripts.IntegrationTest,
            SupabaseWorkdir = context.AppPath(context.App.Paths.SupabaseWorkdir),
            DeclaredMigrationsFolder = context.App.Paths.Migrations,
        });
    }
}
