using Cake.Frosting;
using Storytailor.Build.Adapters.Npm;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;

namespace Storytailor.Build.Tasks.Ci;

[TaskName("Lint")]
[TaskDescription("Lints the app (npm run lint)")]
[IsDependentOn(typeof(Restore))]
public sealed class Lint : FrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context) => context.RunUnlessCached(this, StageInputCatalog.Sources(context, "Lint"));

    public override void Run(BuildContext context)
    {
        if (context.IsCachedTarget(this))
        {
            return;
        }

        new NpmScripts(context).RunScript("Lint", context.App.Scripts.Lint);
    }
}
