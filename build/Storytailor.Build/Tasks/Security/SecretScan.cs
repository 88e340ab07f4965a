using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;
using Storytailor.Build.Services.Stages;
using Storytailor.Checks.Security;

namespace Storytailor.Build.Tasks.Security;

[TaskName("SecretScan")]
[TaskDescription("Scans the app's files for committed keys and secrets; false positives go into .secretscan-allow")]
[IsDependentOn(typeof(Preflight.Preflight))]
public sealed class SecretScan : CachedAsyncStage
{
    protected override string? SkipReason(BuildContext context) => context.ReleaseGateSkip;

    protected override StageInputs Inputs(BuildContext context) => StageInputCatalog.SecretScan(context);

    protected override async Task RunStageAsync(BuildContext context)
    {
        var scan = new Storytailor.Checks.Security.SecretScan(context.Commands, context.BuildLog);
        var result = await scan.RunAsync(new SecretScanSettings(context.AppRoot));
        StageResult.Require("SecretScan", result.Outcome, result.Message, context);
    }
}
