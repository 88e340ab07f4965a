namespace Storytailor.Aws;

/// <summary>One metric to fetch: id (a lower-case identifier), metric, dimensions, statistic (Sum, Average, p95, …) and period.</summary>
public sealed record MetricQuery(string Id, string Namespace, string MetricName, IReadOnlyDictionary<string, string> Dimensions, string Stat, int PeriodSeconds = 60);

public sealed record MetricPoint(DateTimeOffset Timestamp, double Value);

/// <summary>The values of one query, oldest first.</summary>
public sealed record MetricSeries(string Id, string? Label, IReadOnlyList<MetricPoint> Points, string StatusCode)
{
    public double Sum => Points.Sum(p => p.Value);

    public double? Max => Points.Count == 0 ? null : Points.Max(p => p.Value);
}

/// <summary>A CloudWatch alarm's state (OK, ALARM, INSUFFICIENT_DATA).</summary>
public sealed record AlarmStatus(string Name, string State, string? Reason, DateTimeOffset? UpdatedAt)
{
    public bool IsAlarm => State == "ALARM";
}

/// <summary>Post-deployment health: metric series and alarm states.</summary>
public interface IMetricsReader
{
    /// <summary>Fetches every query's series for [start, end), following pagination.</summary>
    Task<IReadOnlyList<MetricSeries>> GetMetricDataAsync(IReadOnlyList<MetricQuery> queries, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken = default);

    /// <summary>Metric alarms whose names start with the prefix.</summary>
    Task<IReadOnlyList<AlarmStatus>> DescribeAlarmsAsync(string namePrefix, CancellationToken cancellationToken = default);
}

/// <summary>The queries the pipeline's health checks use (API Gateway REST API and Lambda metrics).</summary>
public static class MetricQueries
{
    public static MetricQuery ApiLatencyP95(string apiName, string stage, int periodSeconds = 60) =>
        new("latencyp95", "AWS/ApiGateway", "Latency", ApiDimensions(apiName, stage), "p95", periodSeconds);

    public static MetricQuery Api5xxCount(string apiName, string stage, int periodSeconds = 60) =>
        new("errors5xx", "AWS/ApiGateway", "5XXError", ApiDimensions(apiName, stage), "Sum", periodSeconds);

    public static MetricQuery ApiRequestCount(string apiName, string stage, int periodSeconds = 60) =>
        new("requests", "AWS/ApiGateway", "Count", ApiDimensions(apiName, stage), "Sum", periodSeconds);

    public static MetricQuery LambdaErrors(string functionName, int periodSeconds = 60) =>
        new("lambdaerrors", "AWS/Lambda", "Errors", FunctionDimensions(functionName), "Sum", periodSeconds);

    public static MetricQuery LambdaThrottles(string functionName, int periodSeconds = 60) =>
        new("lambdathrottles", "AWS/Lambda", "Throttles", FunctionDimensions(functionName), "Sum", periodSeconds);

    public static MetricQuery LambdaDuration(string functionName, string stat = "p95", int periodSeconds = 60) =>
        new("lambdaduration", "AWS/Lambda", "Duration", FunctionDimensions(functionName), stat, periodSeconds);

    /// <summary>Cold-start time, published by Lambda Insights (namespace LambdaInsights, metric init_duration).</summary>
    public static MetricQuery LambdaInitDuration(string functionName, string stat = "Maximum", int periodSeconds = 60) =>
        new("lambdainit", "LambdaInsights", "init_duration", new Dictionary<string, string> { ["function_name"] = functionName }, stat, periodSeconds);

    /// <summary>5XX errors as a percentage of requests over the whole window (0 when there were no requests).</summary>
    public static double ErrorRatePercent(MetricSeries errors, MetricSeries requests)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(requests);
        var total = requests.Sum;
        return total <= 0 ? 0 : 100.0 * errors.Sum / total;
    }

    private static Dictionary<string, string> ApiDimensions(string apiName, string stage) => new() { ["ApiName"] = apiName, ["Stage"] = stage };

    private static Dictionary<string, string> FunctionDimensions(string functionName) => new() { ["FunctionName"] = functionName };
}
