using Cake.Frosting;
using Storytailor.Build.Adapters.Npm;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;

namespace Storytailor.Build.Tasks.Ci;

[TaskName("Restore")]
[TaskDescription("Installs the app's dependencies from its lockfile (npm ci)")]
[IsDependentOn(typeof(Preflight.Preflight))]
public sealed class Restore : CachedStage
{
    protected override StageInputs Inputs(BuildContext context) => StageInputCatalog.Restore(context);

    protected override void RunStage(BuildContext context) => new NpmScripts(context).CleanInstall("Restore");
}
