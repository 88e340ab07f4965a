using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;
using Storytailor.Build.Services.Stages;
using Storytailor.Checks.Packaging;

namespace Storytailor.Build.Tasks.Build;

[TaskName("Package")]
[TaskDescription("One reproducible zip per Lambda service, with SHA-256 and artifacts/manifest.json")]
[IsDependentOn(typeof(Compile))]
public sealed class Package : CachedAsyncStage
{
    protected override StageInputs Inputs(BuildContext context) => StageInputCatalog.Package(context);

    protected override string? SkipReason(BuildContext context) => context.NotRebuilt.GetValueOrDefault("Package");

    protected override async Task RunStageAsync(BuildContext context)
    {
        var result = await new LambdaPackager(context.Commands, context.Artifacts, context.BuildLog).PackageAsync(new PackagingSettings(context.AppRoot) { Packages = [.. context.App.Services.Select(s => s.Package)] });
        foreach (var artifact in result.Artifacts)
        {
            context.BuildLog.Information($"{artifact.FileName}: {artifact.Size:N0} bytes, {artifact.Files} files, sha256 {artifact.Sha256}, CodeSha256 {artifact.CodeSha256}");
        }

        StageResult.Require("Package", result.Outcome, result.Message, context);
    }
}
