using System.Globalization;
using System.Text.RegularExpressions;

namespace Storytailor.Load;

/// <summary>
/// A load-test setting that cannot be used as written (malformed threshold, unknown profile, bad
/// scenario file). The build maps it to exit code 2.
/// </summary>
public sealed class LoadConfigurationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The metrics the engine measures, named as k6 names them.</summary>
public static class LoadMetrics
{
    public const string Duration = "http_req_duration";
    public const string Failed = "http_req_failed";
    public const string Requests = "http_reqs";
    public const string Dropped = "dropped_iterations";
}

public enum ThresholdOperator
{
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Equal,
    NotEqual,
}

/// <summary>
/// One k6 threshold, e.g. <c>http_req_duration: p(95)&lt;800</c>. Durations are in milliseconds,
/// <c>http_req_failed: rate</c> is a fraction (0.01 = 1 %), <c>dropped_iterations: count</c> a number.
/// </summary>
public sealed partial record Threshold(string Metric, string Aggregation, ThresholdOperator Operator, double Limit, bool AbortOnFail = false)
{
    private static readonly Dictionary<string, string[]> AggregationsByMetric = new(StringComparer.Ordinal)
    {
        [LoadMetrics.Duration] = ["avg", "min", "med", "max", "p(N)"],
        [LoadMetrics.Failed] = ["rate"],
        [LoadMetrics.Requests] = ["count", "rate"],
        [LoadMetrics.Dropped] = ["count", "rate"],
    };

    /// <summary>The expression as k6 writes it, e.g. <c>p(95)&lt;800</c>.</summary>
    public string Expression => $"{Aggregation}{OperatorText(Operator)}{Limit.ToString(CultureInfo.InvariantCulture)}";

    public override string ToString() => $"{Metric}: {Expression}";

    /// <summary>Parses <c>metric: expression</c> (one threshold) as written in a setting.</summary>
    public static Threshold ParseLine(string line, bool abortOnFail = false)
    {
        ArgumentNullException.ThrowIfNull(line);
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new LoadConfigurationException($"Threshold '{line}' is malformed: expected 'metric: expression', e.g. 'http_req_duration: p(95)<800'.");
        }

        return Parse(line[..colon].Trim(), line[(colon + 1)..].Trim(), abortOnFail);
    }

    /// <summary>Parses one k6 threshold expression for a metric.</summary>
    public static Threshold Parse(string metric, string expression, bool abortOnFail = false)
    {
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentNullException.ThrowIfNull(expression);
        if (!AggregationsByMetric.TryGetValue(metric, out var allowed))
        {
            throw new LoadConfigurationException(
                $"Threshold '{metric}: {expression}' names an unknown metric '{metric}'; known metrics: {string.Join(", ", AggregationsByMetric.Keys)}.");
        }

        var match = ExpressionPattern().Match(expression);
        if (!match.Success)
        {
            throw new LoadConfigurationException(
                $"Threshold '{metric}: {expression}' is malformed: expected '<aggregation><operator><number>', e.g. 'p(95)<800' or 'rate<0.01'.");
        }

        var aggregation = match.Groups["agg"].Value;
        var percentile = match.Groups["pct"];
        if (percentile.Success)
        {
            var value = double.Parse(percentile.Value, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (value is <= 0 or > 100)
            {
                throw new LoadConfigurationException($"Threshold '{metric}: {expression}' has a percentile outside (0, 100].");
            }

            aggregation = $"p({percentile.Value})";
        }

        var kind = percentile.Success ? "p(N)" : aggregation;
        if (!allowed.Contains(kind, StringComparer.Ordinal))
        {
            throw new LoadConfigurationException(
                $"Threshold '{metric}: {expression}' uses '{aggregation}', which {metric} does not have; use one of: {string.Join(", ", allowed)}.");
        }

        var op = match.Groups["op"].Value switch
        {
            "<" => ThresholdOperator.Less,
            "<=" => ThresholdOperator.LessOrEqual,
            ">" => ThresholdOperator.Greater,
            ">=" => ThresholdOperator.GreaterOrEqual,
            "==" or "===" => ThresholdOperator.Equal,
            _ => ThresholdOperator.NotEqual,
        };
        var limit = double.Parse(match.Groups["limit"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
        return new Threshold(metric, aggregation, op, limit, abortOnFail);
    }

    /// <summary>Parses a list of <c>metric: expression</c> lines; every malformed line is named in one error.</summary>
    public static IReadOnlyList<Threshold> ParseAll(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var result = new List<Threshold>();
        var errors = new List<string>();
        foreach (var line in lines.Where(l => !string.IsNullOrWhiteSpace(l)))
        {
            try
            {
                result.Add(ParseLine(line));
            }
            catch (LoadConfigurationException ex)
            {
                errors.Add(ex.Message);
            }
        }

        return errors.Count == 0 ? result : throw new LoadConfigurationException(string.Join(Environment.NewLine, errors));
    }

    /// <summary>The observed value of this threshold's aggregation, or null when nothing was measured.</summary>
    public double? Observe(LoadSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return (Metric, Aggregation) switch
        {
            (LoadMetrics.Failed, "rate") => snapshot.Requests == 0 ? null : snapshot.ErrorRate,
            (LoadMetrics.Requests, "count") => snapshot.Requests,
            (LoadMetrics.Requests, "rate") => snapshot.RequestsPerSecond,
            (LoadMetrics.Dropped, "count") => snapshot.Dropped,
            (LoadMetrics.Dropped, "rate") => snapshot.ElapsedSeconds <= 0 ? 0 : snapshot.Dropped / snapshot.ElapsedSeconds,
            (LoadMetrics.Duration, _) when snapshot.Latency is null => null,
            (LoadMetrics.Duration, "avg") => snapshot.Latency!.AverageMs,
            (LoadMetrics.Duration, "min") => snapshot.Latency!.MinMs,
            (LoadMetrics.Duration, "med") => snapshot.Latency!.MedianMs,
            (LoadMetrics.Duration, "max") => snapshot.Latency!.MaxMs,
            (LoadMetrics.Duration, _) => snapshot.Latency!.Percentile(PercentileValue),
            _ => null,
        };
    }

    /// <summary>Evaluates against a snapshot. A metric with no samples fails (nothing proves it holds).</summary>
    public ThresholdOutcome Evaluate(LoadSnapshot snapshot)
    {
        var observed = Observe(snapshot);
        var passed = observed is { } value && Compare(value);
        return new ThresholdOutcome(Metric, Expression, observed, passed, AbortOnFail);
    }

    public bool Compare(double value) => Operator switch
    {
        ThresholdOperator.Less => value < Limit,
        ThresholdOperator.LessOrEqual => value <= Limit,
        ThresholdOperator.Greater => value > Limit,
        ThresholdOperator.GreaterOrEqual => value >= Limit,
        ThresholdOperator.Equal => Math.Abs(value - Limit) < 1e-9,
        _ => Math.Abs(value - Limit) >= 1e-9,
    };

    private double PercentileValue => double.Parse(Aggregation[2..^1], NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string OperatorText(ThresholdOperator op) => op switch
    {
        ThresholdOperator.Less => "<",
        ThresholdOperator.LessOrEqual => "<=",
        ThresholdOperator.Greater => ">",
        ThresholdOperator.GreaterOrEqual => ">=",
        ThresholdOperator.Equal => "==",
        _ => "!=",
    };

    [GeneratedRegex(@"^\s*(?<agg>avg|min|med|max|rate|count|p\(\s*(?<pct>\d+(\.\d+)?)\s*\))\s*(?<op><=|>=|===|==|!=|<|>)\s*(?<limit>-?\d+(\.\d+)?([eE][-+]?\d+)?)\s*$")]
    private static partial Regex ExpressionPattern();
}

/// <summary>A threshold's verdict: the observed value (null when nothing was measured) and pass/fail.</summary>
public sealed record ThresholdOutcome(string Metric, string Expression, double? Observed, bool Passed, bool AbortOnFail = false)
{
    public string Describe() =>
        $"{Metric}: {Expression} {(Passed ? "passed" : "FAILED")} (observed {(Observed is { } v ? v.ToString("0.####", CultureInfo.InvariantCulture) : "nothing: no samples")})";
}
