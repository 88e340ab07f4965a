using Cake.Core;
using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Reporting;
using Storytailor.Build.Services.Stages;
using Storytailor.Build.Services.Tools;
using Storytailor.Load;

namespace Storytailor.Build.Tasks.Load;

[TaskName("LoadTest")]
[TaskDescription("Load test of --base-url or the environment's URL with --load-profile; k6 when on PATH, else the built-in engine")]
[IsDependentOn(typeof(Preflight.Preflight))]
public sealed class LoadTest : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.Load;
        var environment = context.DeploymentEnvironment;
        var target = context.TargetUrl(environment);
        var profile = options.ProfileFor(environment);
        var apiKey = context.Variables.ApiKey(environment);
        context.Redactor.Register(apiKey);
        var k6 = TestTools.K6(context.Variables);
        context.BuildLog.Information($"Load test '{profile}' against {target} with {(k6 is null ? "the built-in engine (k6 is not on PATH)" : $"k6 ({k6}) when the app has testing/load/{profile}.js")}");

        LoadTestResult result;
        try
        {
            result = await LoadConsole.WithProgressAsync(context, progress =>
                new LoadTestService(context.BuildLog, context.Commands, context.Artifacts, context.Redactor).RunAsync(new LoadTestSettings(context.AppRoot, profile, target)
                {
                    ScenarioFile = context.App.Paths.LoadScenarios,
                    Overrides = options.Overrides,
                    ExtraThresholds = options.ExtraThresholds,
                    K6Executable = k6,
                    SecretLookup = name => name == "API_KEY" && apiKey is not null ? apiKey : context.Variables.Value(name),
                    Progress = progress,
                }));
        }
        catch (LoadConfigurationException ex)
        {
            throw new CakeException(ExitCodes.Usage, $"LoadTest: {ex.Message}");
        }

        LoadConsole.ResultTable(context, $"Load test: {profile}", result);
        if (!result.Passed)
        {
            throw StageFailure.Because("LoadTest", result.Failures);
        }

        context.BuildLog.Information($"Load test '{profile}' passed (artifacts/load/{profile}.json).");
    }
}
