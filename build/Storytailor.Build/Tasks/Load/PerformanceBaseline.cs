using System.Globalization;
using Cake.Core;
using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Reporting;
using Storytailor.Build.Services.Caching;
using Storytailor.Build.Services.Stages;
using Storytailor.Load;

namespace Storytailor.Build.Tasks.Load;

[TaskName("PerformanceBaseline")]
[TaskDescription("Short load on the app's services started locally; gates p95 and errors, keeps artifacts/performance/baseline.json")]
[IsDependentOn(typeof(Build.Compile))]
public sealed class PerformanceBaseline : CachedAsyncStage
{
    protected override string? SkipReason(BuildContext context) => context.SkipTestsNote;

    protected override StageInputs Inputs(BuildContext context) => StageInputCatalog.PerformanceBaseline(context);

    protected override async Task RunStageAsync(BuildContext context)
    {
        var options = context.Load;
        var settings = new PerformanceBaselineSettings(context.AppRoot)
        {
            Rate = options.BaselineRate,
            Duration = options.BaselineDuration,
            P95LimitMs = options.BaselineP95LimitMs,
            RegressionWarningPercent = options.BaselineRegressionPercent,
            Services = context.App.LocalServices,
            ScenarioFile = context.App.Paths.LoadScenarios,
            PreviousBaselinePath = options.PreviousBaseline is { } previous ? Path.GetFullPath(previous, context.Environment.WorkingDirectory.FullPath) : null,
        };

        PerformanceBaselineResult result;
        try
        {
            result = await LoadConsole.WithProgressAsync(context, progress =>
                new PerformanceBaselineService(context.BuildLog, context.Artifacts, context.Redactor).RunAsync(settings with { Progress = progress }));
        }
        catch (LoadConfigurationException ex)
        {
            throw new CakeException(ExitCodes.Usage, $"PerformanceBaseline: {ex.Message}");
        }

        if (result.Load is { } load)
        {
            LoadConsole.ResultTable(context, "Performance baseline", load);
        }

        if (result.PreviousP95Ms is { } before && result.P95ChangePercent is { } change)
        {
            context.BuildLog.Information(string.Create(CultureInfo.InvariantCulture, $"p95 against the previous baseline: {before:0.0} ms -> {result.Load?.Latency?.P95Ms:0.0} ms ({change:+0.#;-0.#;0}%)"));
        }

        if (!result.Passed)
        {
            throw StageFailure.Because("PerformanceBaseline", result.Failures);
        }

        context.BuildLog.Information($"Performance baseline passed; kept as {result.BaselinePath}.");
    }
}
