using Cake.Frosting;
using Storytailor.Build.Adapters.Npm;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;

namespace Storytailor.Build.Tasks.Ci;

[TaskName("FormatCheck")]
[TaskDescription("Checks the app's formatting (npm run format:check, or the script the app's description names)")]
[IsDependentOn(typeof(Restore))]
public sealed class FormatCheck : FrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context) => context.RunUnlessCached(this, StageInputCatalog.Sources(context, "FormatCheck"));

    public override void Run(BuildContext context)
    {
        if (context.IsCachedTarget(this))
        {
            return;
        }

        new NpmScripts(context).RunScript("FormatCheck", context.App.Scripts.FormatCheck);
    }
}
