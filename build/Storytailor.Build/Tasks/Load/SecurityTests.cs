using Cake.Frosting;
using Storytailor.Build.Adapters.Npm;
using Storytailor.Build.Context;
using Storytailor.Load;

namespace Storytailor.Build.Tasks.Load;

[TaskName("SecurityTests")]
[TaskDescription("Security probes against --base-url or the environment's URL (security headers, CORS with credentials, version disclosure, protected routes); OWASP ZAP baseline scan when available (--require-zap)")]
[IsDependentOn(typeof(Preflight.Preflight))]
public sealed class SecurityTests : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var target = context.TargetUrl(context.DeploymentEnvironment);
        var path = context.Environment.GetEnvironmentVariable("PATH");
        var zap = await ZapLocator.FindAsync(
            context.Commands,
            ExecutableSearch.OnPath("zap-baseline.py", path),
            ExecutableSearch.OnPath("zap.sh", path),
            ExecutableSearch.OnPath("docker", path));
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
            throw StageFailure.Because(LoadConsole.Because("SecurityTests", result.Failures));
        }

        context.BuildLog.Information($"Security tests passed ({json}).");
    }
}
