using Cake.Frosting;
using Storytailor.Build.Adapters.Npm;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;
using Storytailor.Build.Tasks.Security;
using Storytailor.Checks.Packaging;

namespace Storytailor.Build.Tasks.Build;

[TaskName("Compile")]
[TaskDescription("Builds the app's packages (npm run build)")]
[IsDependentOn(typeof(Ci.Restore))]
public sealed class Compile : FrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context) =>
        context.NotRebuilt.TryGetValue("Compile", out var promoted) ? context.Skip(this, promoted) : context.RunUnlessCached(this, StageInputCatalog.Compile(context));

    public override void Run(BuildContext context)
    {
        if (context.IsCachedTarget(this))
        {
            return;
        }

        new NpmScripts(context).RunScript("Compile", context.App.Scripts.Build);
    }
}

[TaskName("Package")]
[TaskDescription("One reproducible zip per Lambda service of the app's description (built code + production dependencies), with SHA-256 and artifacts/manifest.json")]
[IsDependentOn(typeof(Compile))]
public sealed class Package : AsyncFrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context) =>
        context.NotRebuilt.TryGetValue("Package", out var promoted) ? context.Skip(this, promoted) : context.RunUnlessCached(this, StageInputCatalog.Package(context));

    public override async Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsCachedTarget(this))
        {
            return;
        }

        var result = await new LambdaPackager(context.Commands, context.Artifacts, context.BuildLog).PackageAsync(new PackagingSettings(context.AppRoot) { Packages = [.. context.App.Services.Select(s => s.Package)] });
        foreach (var artifact in result.Artifacts)
        {
            context.BuildLog.Information($"{artifact.FileName}: {artifact.Size:N0} bytes, {artifact.Files} files, sha256 {artifact.Sha256}, CodeSha256 {artifact.CodeSha256}");
        }

        StageResult.Require("Package", result.Outcome, result.Message, context);
    }
}
