using System.Globalization;
using Cake.Core;
using Cake.Frosting;
using Storytailor.Build.Adapters.Npm;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;
using Storytailor.Load;

namespace Storytailor.Build.Tasks.Load;

[TaskName("PerformanceBaseline")]
[TaskDescription("Starts the services the app's description declares locally, runs a short open-model load (--baseline-rate, --baseline-duration), gates p95 < --baseline-p95-limit and errors < 1%, keeps artifacts/performance/baseline.json, warns on a p95 regression against --previous-baseline")]
[IsDependentOn(typeof(Build.Compile))]
public sealed class PerformanceBaseline : AsyncFrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.SkipTests
            ? context.Skip(this, $"--skip-tests: {context.SkipTestsReason}")
            : context.RunUnlessCached(this, StageInputCatalog.PerformanceBaseline(context));
    }

    public override async Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsCachedTarget(this))
        {
            return;
        }

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
            throw StageFailure.Because(LoadConsole.Because("PerformanceBaseline", result.Failures));
        }

        context.BuildLog.Information($"Performance baseline passed; kept as {result.BaselinePath}.");
    }
}
