using System.Globalization;
using Storytailor.Core;

namespace Storytailor.Load;

/// <summary>The outcome of a load test, whichever engine ran it (built-in or k6).</summary>
public sealed record LoadTestResult(
    string Profile,
    string Engine,
    LoadModel Model,
    string Target,
    DateTimeOffset StartedAt,
    double MeasuredSeconds,
    long Requests,
    long Failed,
    long Dropped,
    LatencySummary? Latency,
    IReadOnlyList<ThresholdOutcome> Thresholds)
{
    public double RequestsPerSecond => MeasuredSeconds <= 0 ? 0 : Requests / MeasuredSeconds;

    public double ErrorRate => Requests == 0 ? 0 : (double)Failed / Requests;

    /// <summary>Failed requests by cause ("HTTP 503", "timeout", "connection refused", …).</summary>
    public IReadOnlyDictionary<string, long> Errors { get; init; } = new Dictionary<string, long>();

    /// <summary>One sample per second of the measured period (empty for k6, which exports totals only).</summary>
    public IReadOnlyList<SecondSample> Series { get; init; } = [];

    public bool Aborted { get; init; }

    public string? AbortReason { get; init; }

    /// <summary>Set when the test could not run at all (tool failed to start, no summary); never a pass.</summary>
    public string? CouldNotRun { get; init; }

    public bool Passed => CouldNotRun is null && !Aborted && Requests > 0 && Thresholds.All(t => t.Passed);

    /// <summary>Human-readable causes of a failure, one per line; empty when passed.</summary>
    public IReadOnlyList<string> Failures
    {
        get
        {
            var failures = new List<string>();
            if (CouldNotRun is not null)
            {
                failures.Add($"Load test '{Profile}' could not run: {CouldNotRun}");
                return failures;
            }

            if (Requests == 0)
            {
                failures.Add($"Load test '{Profile}' measured no requests against {Target}.");
            }

            if (Aborted)
            {
                failures.Add($"Load test '{Profile}' aborted: {AbortReason}");
            }

            failures.AddRange(Thresholds.Where(t => !t.Passed).Select(t => $"Threshold failed: {t.Describe()}"));
            if (failures.Count > 0 && Errors.Count > 0)
            {
                failures.Add("Errors: " + string.Join(", ", Errors.OrderByDescending(e => e.Value).Select(e => $"{e.Key} ×{e.Value}")));
            }

            return failures;
        }
    }

    /// <summary>Rows for the log table: name and value.</summary>
    public IReadOnlyList<(string Name, string Value)> TableRows()
    {
        static string Ms(double? value) => value is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "-";
        var rows = new List<(string, string)>
        {
            ("Profile", $"{Profile} ({Model.ToString().ToLowerInvariant()} model, {Engine})"),
            ("Target", Target),
            ("Measured", string.Create(CultureInfo.InvariantCulture, $"{MeasuredSeconds:0.0} s")),
            ("Requests", string.Create(CultureInfo.InvariantCulture, $"{Requests} ({RequestsPerSecond:0.0}/s)")),
            ("Errors", string.Create(CultureInfo.InvariantCulture, $"{Failed} ({ErrorRate:P2})")),
            ("Dropped", Dropped.ToString(CultureInfo.InvariantCulture)),
            ("p50 / p90", $"{Ms(Latency?.MedianMs)} / {Ms(Latency?.P90Ms)}"),
            ("p95 / p99", $"{Ms(Latency?.P95Ms)} / {Ms(Latency?.P99Ms)}"),
            ("avg / max", $"{Ms(Latency?.AverageMs)} / {Ms(Latency?.MaxMs)}"),
        };
        rows.AddRange(Thresholds.Select(t => ($"{t.Metric}: {t.Expression}", t.Passed ? "pass" : "FAIL")));
        rows.Add(("Result", Passed ? "passed" : "FAILED"));
        return rows;
    }

    /// <summary>Writes the JSON summary (counts, rates, percentiles, thresholds, per-second series).</summary>
    public string WriteSummary(ArtifactWriter artifacts, string relativePath)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        return artifacts.WriteJson(relativePath, ToSummary());
    }

    public LoadSummaryDocument ToSummary() => new(
        Profile,
        Engine,
        Model.ToString().ToLowerInvariant(),
        Target,
        StartedAt,
        Math.Round(MeasuredSeconds, 3),
        Passed,
        new LoadCounts(Requests, Failed, Dropped, Math.Round(RequestsPerSecond, 3), Math.Round(ErrorRate, 6)),
        Latency is null ? null : new LoadLatencyDocument(Latency.MinMs, Latency.AverageMs, Latency.MedianMs, Latency.P90Ms, Latency.P95Ms, Latency.P99Ms, Latency.MaxMs),
        Thresholds,
        Errors,
        Series,
        Aborted ? AbortReason : null,
        CouldNotRun,
        Failures);
}

public sealed record LoadCounts(long Requests, long Failed, long Dropped, double RequestsPerSecond, double ErrorRate);

public sealed record LoadLatencyDocument(double MinMs, double AvgMs, double MedMs, double P90Ms, double P95Ms, double P99Ms, double MaxMs);

public sealed record LoadSummaryDocument(
    string Profile,
    string Engine,
    string Model,
    string Target,
    DateTimeOffset StartedAt,
    double MeasuredSeconds,
    bool Passed,
    LoadCounts Counts,
    LoadLatencyDocument? Latency,
    IReadOnlyList<ThresholdOutcome> Thresholds,
    IReadOnlyDictionary<string, long> Errors,
    IReadOnlyList<SecondSample> Series,
    string? AbortReason,
    string? CouldNotRun,
    IReadOnlyList<string> Failures);
