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

/// <summary>The two kinds of API Gateway API; they publish under different metric names and dimensions.</summary>
public enum ApiGatewayType
{
    /// <summary>HTTP API (v2): dimensions ApiId and Stage; metrics Count, 4xx, 5xx, Latency, IntegrationLatency.</summary>
    Http,

    /// <summary>REST API (v1): dimensions ApiName and Stage; metrics Count, 4XXError, 5XXError, Latency, IntegrationLatency.</summary>
    Rest,
}

/// <summary>Where one API's metrics are published: its type, its id (HTTP API) or name (REST API), and its stage.</summary>
public sealed record ApiIdentity(ApiGatewayType Type, string Id, string Stage)
{
    /// <summary>The dimension naming the API: ApiId (HTTP) or ApiName (REST).</summary>
    public string IdDimension => Type == ApiGatewayType.Http ? "ApiId" : "ApiName";

    public IReadOnlyDictionary<string, string> Dimensions => new Dictionary<string, string>(StringComparer.Ordinal) { [IdDimension] = Id, ["Stage"] = Stage };

    public string ServerErrorMetric => Type == ApiGatewayType.Http ? "5xx" : "5XXError";

    public string ClientErrorMetric => Type == ApiGatewayType.Http ? "4xx" : "4XXError";

    /// <summary>"HTTP API ApiId=abc123, Stage=v1".</summary>
    public override string ToString() => $"{(Type == ApiGatewayType.Http ? "HTTP API" : "REST API")} {IdDimension}={Id}, Stage={Stage}";
}

/// <summary>The queries the pipeline's health checks use (API Gateway HTTP or REST API, and Lambda metrics).</summary>
public static class MetricQueries
{
    public const string ApiNamespace = "AWS/ApiGateway";

    public static MetricQuery Requests(ApiIdentity api, int periodSeconds = 60) => Api("requests", api, "Count", "Sum", periodSeconds);

    public static MetricQuery ServerErrors(ApiIdentity api, int periodSeconds = 60) => Api("errors5xx", api, api.ServerErrorMetric, "Sum", periodSeconds);

    public static MetricQuery ClientErrors(ApiIdentity api, int periodSeconds = 60) => Api("errors4xx", api, api.ClientErrorMetric, "Sum", periodSeconds);

    public static MetricQuery LatencyP95(ApiIdentity api, int periodSeconds = 60) => Api("latencyp95", api, "Latency", "p95", periodSeconds);

    public static MetricQuery IntegrationLatencyP95(ApiIdentity api, int periodSeconds = 60) => Api("integrationp95", api, "IntegrationLatency", "p95", periodSeconds);

    /// <summary>Lambda Insights' memory utilisation: published on every invocation, so its presence tells that the function publishes Insights.</summary>
    public static MetricQuery LambdaInsightsMemory(string functionName, int periodSeconds = 60) =>
        new("lambdainsights", "LambdaInsights", "memory_utilization", new Dictionary<string, string> { ["function_name"] = functionName }, "SampleCount", periodSeconds);

    /// <summary>REST API p95 latency (ApiName/Stage).</summary>
    public static MetricQuery ApiLatencyP95(string apiName, string stage, int periodSeconds = 60) => LatencyP95(new ApiIdentity(ApiGatewayType.Rest, apiName, stage), periodSeconds);

    /// <summary>REST API 5XXError sum (ApiName/Stage).</summary>
    public static MetricQuery Api5xxCount(string apiName, string stage, int periodSeconds = 60) => ServerErrors(new ApiIdentity(ApiGatewayType.Rest, apiName, stage), periodSeconds);

    /// <summary>REST API request count (ApiName/Stage).</summary>
    public static MetricQuery ApiRequestCount(string apiName, string stage, int periodSeconds = 60) => Requests(new ApiIdentity(ApiGatewayType.Rest, apiName, stage), periodSeconds);

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

    private static MetricQuery Api(string id, ApiIdentity api, string metric, string stat, int periodSeconds)
    {
        ArgumentNullException.ThrowIfNull(api);
        return new MetricQuery(id, ApiNamespace, metric, api.Dimensions, stat, periodSeconds);
    }

    private static Dictionary<string, string> FunctionDimensions(string functionName) => new() { ["FunctionName"] = functionName };
}
