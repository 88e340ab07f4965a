using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;
using Storytailor.Checks.Security;

namespace Storytailor.Build.Tasks.Security;

[TaskName("SecurityAudit")]
[TaskDescription("npm audit of the app's lockfile, failing at --audit-level; an audit that cannot run fails")]
[IsDependentOn(typeof(Preflight.Preflight))]
public sealed class SecurityAudit : AsyncFrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context) => context.RunUnlessCached(this, StageInputCatalog.SecurityAudit(context));

    public override async Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsCachedTarget(this))
        {
            return;
        }

        var result = await new NpmAudit(context.Commands, context.BuildLog).RunAsync(new NpmAuditSettings(context.AppRoot)
        {
            FailLevel = context.AuditLevel,
            RegistryUrl = context.AuditRegistry,
        });
        StageResult.Require("SecurityAudit", result.Outcome, result.Message, context);
    }
}

[TaskName("SnykScan")]
[TaskDescription("Snyk scan at --audit-level when SNYK_TOKEN is set; skipped (and reported) without it")]
[IsDependentOn(typeof(Preflight.Preflight))]
public sealed class SnykScanTask : AsyncFrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return !string.IsNullOrWhiteSpace(context.Environment.GetEnvironmentVariable("SNYK_TOKEN"))
            || context.Skip(this, "SNYK_TOKEN is not set");
    }

    public override async Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var token = context.Environment.GetEnvironmentVariable("SNYK_TOKEN");
        var result = await new SnykScan(context.Commands, context.Redactor, context.BuildLog).RunAsync(new SnykSettings(context.AppRoot, token)
        {
            FailLevel = context.AuditLevel,
            Executable = context.SnykCli,
        });
        StageResult.Require("SnykScan", result.Outcome, result.Message, context);
    }
}

[TaskName("SecretScan")]
[TaskDescription("Scans the app's files for committed keys (AWS, Stripe, OpenAI, Slack, private keys, JWT secrets); allow-list .secretscan-allow")]
[IsDependentOn(typeof(Preflight.Preflight))]
public sealed class SecretScanTask : AsyncFrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context) => context.RunUnlessCached(this, StageInputCatalog.SecretScan(context));

    public override async Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsCachedTarget(this))
        {
            return;
        }

        var result = await new SecretScan(context.Commands, context.BuildLog).RunAsync(new SecretScanSettings(context.AppRoot));
        StageResult.Require("SecretScan", result.Outcome, result.Message, context);
    }
}
