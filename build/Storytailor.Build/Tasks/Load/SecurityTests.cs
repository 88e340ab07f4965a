using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Reporting;
using Storytailor.Build.Services.Stages;
using Storytailor.Build.Services.Tools;
using Storytailor.Load;

namespace Storytailor.Build.Tasks.Load;

[TaskName("SecurityTests")]
[TaskDescription("Security probes against --base-url or the environment's URL; OWASP ZAP baseline scan when available")]
[IsDependentOn(typeof(Preflight.Preflight))]
public sealed class SecurityTests : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var target = context.TargetUrl(context.DeploymentEnvironment);
        var zap = await TestTools.ZapAsync(context.Commands, context.Variables);
        context.BuildLog.Information($"Security tests against {target}; ZAP: {(zap is null ? "not available" : $"{zap.Kind} ({zap.Executable})")}");

        var result = await new SecurityProbes(context.BuildLog, context.Commands).RunAsync(new SecuritySettings(target)
        {
            HeadersPath = context.App.Checks.HealthPaths[0],
            ProtectedRoutes = context.App.Checks.ProtectedRoutes,
            Zap = zap,
            RequireZap = context.Load.RequireZap,
            ZapWorkDirectory = Directory.CreateDirectory(context.Artifacts.PathOf("security")).FullName,
        });

        LoadConsole.Table(context, $"Security tests: {target}", ["Probe", "Result", "Detail"], result.TableRows().Select(r => (IReadOnlyList<string>)[r.Probe, r.Result, r.Detail]));
        var json = result.WriteJson(context.Artifacts);
        if (!result.Passed)
        {
            throw StageFailure.Because("SecurityTests", result.Failures);
        }

        context.BuildLog.Information($"Security tests passed ({json}).");
    }
}
