using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Stages;
using Storytailor.Checks.Security;

namespace Storytailor.Build.Tasks.Security;

[TaskName("SnykScan")]
[TaskDescription("Snyk scan at --audit-level when SNYK_TOKEN is set; skipped (and reported) without it")]
[IsDependentOn(typeof(Preflight.Preflight))]
public sealed class SnykScan : AsyncFrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Variables.SnykToken is not null || context.Skip(this, "SNYK_TOKEN is not set");
    }

    public override async Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var scan = new Storytailor.Checks.Security.SnykScan(context.Commands, context.Redactor, context.BuildLog);
        var result = await scan.RunAsync(new SnykSettings(context.AppRoot, context.Variables.SnykToken)
        {
            FailLevel = context.AuditLevel,
            Executable = context.SnykCli,
        });
        StageResult.Require("SnykScan", result.Outcome, result.Message, context);
    }
}
