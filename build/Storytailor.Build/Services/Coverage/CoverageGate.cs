using System.Globalization;
using System.Text.Json;

namespace Storytailor.Build.Services.Coverage;

/// <summary>One coverage metric: actual percentage against the required one.</summary>
public sealed record CoverageMetric(string Name, double Actual, double Required)
{
    public bool Passed => Actual >= Required;
}

/// <summary>The outcome of the coverage gate.</summary>
public sealed record CoverageResult(IReadOnlyList<CoverageMetric> Metrics)
{
    public bool Passed => Metrics.All(m => m.Passed);

    public string Describe() => string.Join(", ", Metrics.Select(m =>
        string.Create(CultureInfo.InvariantCulture, $"{m.Name} {m.Actual:0.##}% (required {m.Required:0.##}%)")));
}

/// <summary>Reads an Istanbul json-summary (as written by Vitest and Jest) and checks it against a threshold.</summary>
public static class CoverageGate
{
    public static readonly IReadOnlyList<string> MetricNames = ["lines", "statements", "functions", "branches"];

    public static CoverageResult Evaluate(string summaryPath, double threshold)
    {
        if (!File.Exists(summaryPath))
        {
            throw new FileNotFoundException(
                $"The coverage summary '{summaryPath}' was not written. The app's test script must produce a json-summary coverage report.");
        }

        using var document = JsonDocument.Parse(File.ReadAllText(summaryPath));
        if (!document.RootElement.TryGetProperty("total", out var total))
        {
            throw new InvalidDataException($"'{summaryPath}' has no 'total' section; is it a json-summary coverage report?");
        }

        var metrics = MetricNames.Select(name =>
        {
            if (!total.TryGetProperty(name, out var metric) || !metric.TryGetProperty("pct", out var pct))
            {
                throw new InvalidDataException($"'{summaryPath}' has no total.{name}.pct value.");
            }

            // Istanbul writes "Unknown" when nothing was measured; that is no coverage.
            var actual = pct.ValueKind == JsonValueKind.Number ? pct.GetDouble() : 0;
            return new CoverageMetric(name, actual, threshold);
        }).ToList();

        return new CoverageResult(metrics);
    }

    /// <summary>
    /// Several json-summary reports (one per package, say) merged: per metric, covered and total are added up over
    /// the reports' totals. One report is evaluated as it is.
    /// </summary>
    public static CoverageResult EvaluateMerged(IReadOnlyList<string> summaryPaths, double threshold)
    {
        ArgumentNullException.ThrowIfNull(summaryPaths);
        if (summaryPaths.Count == 1)
        {
            return Evaluate(summaryPaths[0], threshold);
        }

        var missing = summaryPaths.Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0)
        {
            throw new FileNotFoundException(
                $"The coverage summaries {string.Join(", ", missing.Select(p => $"'{p}'"))} were not written. The app's test script must produce the json-summary reports its description lists (coverage.reports).");
        }

        var sums = MetricNames.ToDictionary(m => m, _ => (Covered: 0.0, Total: 0.0), StringComparer.Ordinal);
        foreach (var path in summaryPaths)
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            if (!document.RootElement.TryGetProperty("total", out var total))
            {
                throw new InvalidDataException($"'{path}' has no 'total' section; is it a json-summary coverage report?");
            }

            foreach (var name in MetricNames)
            {
                if (!total.TryGetProperty(name, out var metric) || !metric.TryGetProperty("total", out var count) || !metric.TryGetProperty("covered", out var covered))
                {
                    throw new InvalidDataException($"'{path}' has no total.{name}.total and .covered values.");
                }

                sums[name] = (sums[name].Covered + covered.GetDouble(), sums[name].Total + count.GetDouble());
            }
        }

        return new CoverageResult([.. MetricNames.Select(name => new CoverageMetric(name, sums[name].Total > 0 ? Math.Round(sums[name].Covered / sums[name].Total * 100, 2) : 0, threshold))]);
    }
}
