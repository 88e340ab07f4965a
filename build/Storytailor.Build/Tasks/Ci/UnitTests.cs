using Cake.Core.Diagnostics;
using Cake.Frosting;
using Storytailor.Build.Adapters.Npm;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;
using Storytailor.Build.Services.Coverage;
using Storytailor.Build.Services.Stages;

namespace Storytailor.Build.Tasks.Ci;

[TaskName("UnitTests")]
[TaskDescription("Runs the app's unit tests with coverage (npm test) and gates on --coverage-threshold")]
[IsDependentOn(typeof(Restore))]
public sealed class UnitTests : CachedStage
{
    protected override string? SkipReason(BuildContext context) => context.SkipTestsNote;

    protected override StageInputs Inputs(BuildContext context) => StageInputCatalog.UnitTests(context);

    protected override void RunStage(BuildContext context)
    {
        new NpmScripts(context).RunScript("UnitTests", context.App.Scripts.Test);

        var reports = context.App.CoverageReports;
        foreach (var report in reports)
        {
            // One report keeps its place (artifacts/coverage/coverage-summary.json); several keep their folders apart.
            var target = reports.Count == 1 ? "coverage" : Path.Combine("coverage", Path.GetDirectoryName(report.Path) ?? string.Empty);
            var folder = Path.GetDirectoryName(context.AppPath(report.Path))!;
            foreach (var file in new[] { Path.GetFileName(report.Path), "lcov.info" }.Select(f => Path.Combine(folder, f)).Where(File.Exists))
            {
                context.Artifacts.CopyText(file, Path.Combine(target, Path.GetFileName(file)));
            }
        }

        var result = CoverageGate.EvaluateMerged([.. reports.Select(r => context.AppPath(r.Path))], context.CoverageThreshold);
        Print(context, reports.Count == 1 ? "Coverage" : "Coverage (merged)", result);
        var failures = result.Passed ? new List<string>() : [$"coverage below the threshold: {result.Describe()}"];
        foreach (var report in reports.Where(r => r.Threshold is not null))
        {
            var own = CoverageGate.Evaluate(context.AppPath(report.Path), report.Threshold!.Value);
            Print(context, report.Path, own);
            if (!own.Passed)
            {
                failures.Add($"{report.Path} below its threshold: {own.Describe()}");
            }
        }

        if (failures.Count > 0)
        {
            throw StageFailure.Because($"UnitTests failed: {string.Join("; ", failures)}.");
        }
    }

    private static void Print(BuildContext context, string title, CoverageResult result)
    {
        foreach (var metric in result.Metrics)
        {
            context.Log.Information("{0} {1,-10} {2,7:0.00}%  required {3:0.##}%  {4}", title, metric.Name, metric.Actual, metric.Required, metric.Passed ? "ok" : "BELOW");
        }
    }
}
