using Cake.Frosting;
using Storytailor.Build.Adapters.Npm;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;

namespace Storytailor.Build.Tasks.Ci;

[TaskName("Lint")]
[TaskDescription("Lints the app (npm run lint)")]
[IsDependentOn(typeof(Restore))]
public sealed class Lint : CachedStage
{
    protected override string? SkipReason(BuildContext context) => context.ReleaseGateSkip;

    protected override StageInputs Inputs(BuildContext context) => StageInputCatalog.Sources(context, "Lint");

    protected override void RunStage(BuildContext context) => new NpmScripts(context).RunScript("Lint", context.App.Scripts.Lint);
}
