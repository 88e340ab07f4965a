using Cake.Frosting;
using Storytailor.Build.Adapters.Npm;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;

namespace Storytailor.Build.Tasks.Build;

[TaskName("Compile")]
[TaskDescription("Builds the app's packages (npm run build)")]
[IsDependentOn(typeof(Ci.Restore))]
public sealed class Compile : CachedStage
{
    protected override StageInputs Inputs(BuildContext context) => StageInputCatalog.Compile(context);

    protected override string? SkipReason(BuildContext context) => context.NotRebuilt.GetValueOrDefault("Compile");

    protected override void RunStage(BuildContext context) => new NpmScripts(context).RunScript("Compile", context.App.Scripts.Build);
}
