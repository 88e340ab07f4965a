using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;
using Storytailor.Build.Services.Stages;
using Storytailor.Checks.Security;

namespace Storytailor.Build.Tasks.Security;

[TaskName("SecurityAudit")]
[TaskDescription("npm audit of the app's lockfile, failing at --audit-level; an audit that cannot run fails")]
[IsDependentOn(typeof(Preflight.Preflight))]
public sealed class SecurityAudit : CachedAsyncStage
{
    protected override string? SkipReason(BuildContext context) => context.ReleaseGateSkip;

    protected override StageInputs Inputs(BuildContext context) => StageInputCatalog.SecurityAudit(context);

    protected override async Task RunStageAsync(BuildContext context)
    {
        var result = await new NpmAudit(context.Commands, context.BuildLog).RunAsync(new NpmAuditSettings(context.AppRoot)
        {
            FailLevel = context.AuditLevel,
            RegistryUrl = context.AuditRegistry,
        });
        StageResult.Require("SecurityAudit", result.Outcome, result.Message, context);
    }
}
