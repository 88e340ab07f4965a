using Cake.Frosting;
using Storytailor.Build.Adapters.Npm;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;
using Storytailor.Build.Tasks.Preflight;

namespace Storytailor.Build.Tasks.Ci;

[TaskName("Restore")]
[TaskDescription("Installs the app's dependencies from its lockfile (npm ci)")]
[IsDependentOn(typeof(Preflight.Preflight))]
public sealed class Restore : FrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context) => context.RunUnlessCached(this, StageInputCatalog.Restore(context));

    public override void Run(BuildContext context)
    {
        if (context.IsCachedTarget(this))
        {
            return;
        }

        new NpmScripts(context).CleanInstall("Restore");
    }
}
