using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using Storytailor.Build.Adapters.Npm;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;
using Storytailor.Build.Services.Coverage;

namespace Storytailor.Build.Tasks.Ci;

[TaskName("UnitTests")]
[TaskDescription("Runs the app's unit tests with coverage (npm test) and gates on the coverage threshold")]
[IsDependentOn(typeof(Restore))]
public sealed class UnitTests : FrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.SkipTests
            ? context.Skip(this, $"--skip-tests: {context.SkipTestsReason}")
            : context.RunUnlessCached(this, StageInputCatalog.UnitTests(context));
    }

    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsCachedTarget(this))
        {
            return;
        }

        new NpmScripts(context).RunScript("UnitTests", "test");

        var coverageFolder = Path.Combine(context.AppRoot, "coverage");
        foreach (var file in new[] { "coverage-summary.json", "lcov.info" }.Select(f => Path.Combine(coverageFolder, f)).Where(File.Exists))
        {
            context.Artifacts.CopyText(file, Path.Combine("coverage", Path.GetFileName(file)));
        }

        var result = CoverageGate.Evaluate(Path.Combine(coverageFolder, "coverage-summary.json"), context.CoverageThreshold);
        foreach (var metric in result.Metrics)
        {
            context.Log.Information("Coverage {0,-10} {1,7:0.00}%  required {2:0.##}%  {3}", metric.Name, metric.Actual, metric.Required, metric.Passed ? "ok" : "BELOW");
        }

        if (!result.Passed)
        {
            throw StageFailure.Because($"UnitTests failed: coverage below the threshold: {result.Describe()}.");
        }
    }
}
