using Cake.Frosting;
using Storytailor.Build.Adapters.Npm;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;

namespace Storytailor.Build.Tasks.Ci;

[TaskName("Typecheck")]
[TaskDescription("Type-checks the app (npm run typecheck)")]
[IsDependentOn(typeof(Restore))]
public sealed class Typecheck : FrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context) => context.RunUnlessCached(this, StageInputCatalog.Sources(context, "Typecheck"));

    public override void Run(BuildContext context)
    {
        if (context.IsCachedTarget(this))
        {
            return;
        }

        new NpmScripts(context).RunScript("Typecheck", context.App.Scripts.Typecheck);
    }
}
