using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Reporting;
using Storytailor.Build.Services.Stages;
using Storytailor.Load;

namespace Storytailor.Build.Tasks.Load;

[TaskName("SmokeTests")]
[TaskDescription("Smoke suite against --base-url or the environment's URL: health, CORS, rate limiting, response times")]
[IsDependentOn(typeof(Preflight.Preflight))]
public sealed class SmokeTests : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var environment = context.DeploymentEnvironment;
        var target = context.TargetUrl(environment);
        var secret = LoadOptions.ApiKeySecret(environment);
        var apiKey = context.Variables.ApiKey(environment);
        context.Redactor.Register(apiKey);
        context.BuildLog.Information($"Smoke tests against {target} ({environment.ToString().ToLowerInvariant()}, API key from {secret})");

        var result = await new SmokeSuite(context.BuildLog).RunAsync(new SmokeSettings(target)
        {
            ApiKey = apiKey,
            ResponseTimeLimit = context.Load.SmokeResponseLimit,
            Checks = context.App.Checks,
        });

        LoadConsole.Table(context, $"Smoke tests: {target}", ["Check", "Result", "Time", "Detail"], result.TableRows().Select(r => (IReadOnlyList<string>)[r.Check, r.Result, r.Time, r.Detail]));
        var json = result.WriteJson(context.Artifacts);
        if (!result.Passed)
        {
            throw StageFailure.Because("SmokeTests", result.Failures);
        }

        context.BuildLog.Information($"All {result.Checks.Count} smoke checks passed ({json}).");
    }
}
