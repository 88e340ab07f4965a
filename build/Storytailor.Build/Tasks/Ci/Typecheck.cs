using Cake.Frosting;
using Storytailor.Build.Adapters.Npm;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;

namespace Storytailor.Build.Tasks.Ci;

[TaskName("Typecheck")]
[TaskDescription("Type-checks the app (npm run typecheck)")]
[IsDependentOn(typeof(Restore))]
public sealed class Typecheck : CachedStage
{
    protected override string? SkipReason(BuildContext context) => context.ReleaseGateSkip;

    protected override StageInputs Inputs(BuildContext context) => StageInputCatalog.Sources(context, "Typecheck");

    protected override void RunStage(BuildContext context) => new NpmScripts(context).RunScript("Typecheck", context.App.Scripts.Typecheck);
}
