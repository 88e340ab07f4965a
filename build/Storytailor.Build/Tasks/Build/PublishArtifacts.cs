using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;
using Storytailor.Build.Services.Stages;
using Storytailor.Deploy;

namespace Storytailor.Build.Tasks.Build;

[TaskName("PublishArtifacts")]
[TaskDescription("With --publish-artifacts: uploads the zips and manifest.json under builds/<commit>/ for deployments to promote")]
[IsDependentOn(typeof(Package))]
public sealed class PublishArtifacts : AsyncFrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context) =>
        context.PublishArtifacts || context.Skip(this, "not publishing: --publish-artifacts is not set (ci.yml sets it on the default branch and on tags)");

    public override async Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var checkout = await CheckedOutCommit.ReadAsync(context.Commands, context.AppRoot);
        if (checkout.NotTheCommit is { } why)
        {
            throw StageFailure.Because($"PublishArtifacts failed: {why}; only a clean checkout's artifacts are published as its commit's.");
        }

        var (factory, store, bucket) = DeploymentRuntimeFactory.OpenArtifactStore(context, "PublishArtifacts");
        using (factory)
        {
            var promotion = new ArtifactPromotion(store, new ArtifactPublisher(store, factory.FunctionRegistry(), context.BuildLog), context.BuildLog);
            var result = await promotion.PublishAsync(context.ArtifactsDirectory, checkout.Commit!);
            if (!result.Passed)
            {
                throw StageFailure.Because($"PublishArtifacts failed: {string.Join("; ", result.Failures)}");
            }

            context.BuildLog.Information(result.ManifestWasPresent
                ? $"PublishArtifacts: s3://{bucket}/{result.ManifestKey} already holds this artifact set (manifest sha256 {result.ManifestSha256}); nothing replaced."
                : $"PublishArtifacts: s3://{bucket}/{result.ManifestKey} (manifest sha256 {result.ManifestSha256}); {result.Uploaded} package(s) uploaded, {result.AlreadyPresent} already present.");
        }
    }
}
