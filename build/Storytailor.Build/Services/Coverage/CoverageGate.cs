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
}
