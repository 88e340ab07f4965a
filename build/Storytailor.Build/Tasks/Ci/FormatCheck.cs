using Cake.Frosting;
using Storytailor.Build.Adapters.Npm;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;

namespace Storytailor.Build.Tasks.Ci;

[TaskName("FormatCheck")]
[TaskDescription("Checks the app's formatting (npm run format:check)")]
[IsDependentOn(typeof(Restore))]
public sealed class FormatCheck : CachedStage
{
    protected override StageInputs Inputs(BuildContext context) => StageInputCatalog.Sources(context, "FormatCheck");

    protected override void RunStage(BuildContext context) => new NpmScripts(context).RunScript("FormatCheck", context.App.Scripts.FormatCheck);
}
