using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Storytailor.FakeAws;

/// <summary>A scripted metric alarm. It switches to <see cref="FlipState"/> once the server clock passes <see cref="FlipAt"/>.</summary>
public sealed record FakeAlarm(string Name, string State, string Reason, DateTimeOffset UpdatedAt)
{
    public DateTimeOffset? FlipAt { get; init; }

    public string FlipState { get; init; } = "ALARM";

    public string FlipReason { get; init; } = "Threshold Crossed: 1 datapoint was greater than the threshold.";
}

/// <summary>
/// CloudWatch (query protocol): GetMetricData with scripted series, DescribeAlarms with alarms. As CloudWatch does,
/// GetMetricData rounds StartTime down to a whole multiple of each query's period before selecting points.
/// </summary>
public sealed class FakeCloudWatch(FakeAwsServer server) : FakeService(server)
{
    public const string XmlNamespace = "http://monitoring.amazonaws.com/doc/2010-08-01/";

    private readonly ConcurrentDictionary<string, IReadOnlyList<(DateTimeOffset Time, double Value)>> _series = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FakeAlarm> _alarms = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(DateTimeOffset Time, double Value)>> _published = new(StringComparer.Ordinal);

    public override string Name => "cloudwatch";

    /// <summary>Series answered for a metric, statistic and dimension set (order of dimensions does not matter).</summary>
    public void PutSeries(string metricNamespace, string metricName, IReadOnlyDictionary<string, string> dimensions, string stat, IEnumerable<(DateTimeOffset Time, double Value)> points) =>
        _series[SeriesKey(metricNamespace, metricName, dimensions, stat)] = [.. points.OrderBy(p => p.Time)];

    /// <summary>
    /// One raw data point, as a service publishing the metric would send it. Queries without a scripted series for their
    /// statistic aggregate these per period (Sum, SampleCount, Average, Minimum, Maximum, pNN) at the period's start.
    /// </summary>
    public void Publish(string metricNamespace, string metricName, IReadOnlyDictionary<string, string> dimensions, DateTimeOffset time, double value) =>
        _published.GetOrAdd(SeriesKey(metricNamespace, metricName, dimensions, string.Empty), _ => new ConcurrentQueue<(DateTimeOffset, double)>()).Enqueue((time, value));

    /// <summary>Forgets every published raw data point (scripted series stay).</summary>
    public void ClearPublished() => _published.Clear();

    public void PutAlarm(FakeAlarm alarm)
    {
        ArgumentNullException.ThrowIfNull(alarm);
        _alarms[alarm.Name] = alarm;
    }

    /// <summary>The last GetMetricData form received, decoded (for asserting what was asked).</summary>
    public IReadOnlyDictionary<string, string>? LastMetricDataRequest { get; private set; }

    internal override string OperationOf(FakeRequest request) =>
        request.Method == "POST" && request.Form.TryGetValue("Action", out var action) ? action : "Unsupported";

    internal override bool IsMutating(string operation) => operation is "PutMetricAlarm" or "PutMetricData" or "SetAlarmState" or "DeleteAlarms";

    internal override FakeResponse SignatureError(SignatureCheck check, string requestId) =>
        XmlError(403, XmlNamespace, check.ErrorCode is "InvalidAccessKeyId" ? "InvalidClientTokenId" : check.ErrorCode, check.Message, requestId);

    internal override FakeResponse ThrottleError(FakeRequest request, string requestId) => XmlError(400, XmlNamespace, "Throttling", "Rate exceeded", requestId);

    internal override FakeResponse ServerError(FakeRequest request, string requestId) => XmlError(500, XmlNamespace, "InternalServiceError", "Internal service error", requestId, "Receiver");

    internal override FakeResponse Handle(string operation, FakeRequest request, string requestId) => operation switch
    {
        "GetMetricData" => GetMetricData(request.Form, requestId),
        "DescribeAlarms" => DescribeAlarms(request.Form, requestId),
        _ => XmlError(400, XmlNamespace, "InvalidAction", $"The action {operation} is not valid for this web service.", requestId),
    };

    private FakeResponse GetMetricData(IReadOnlyDictionary<string, string> form, string requestId)
    {
        LastMetricDataRequest = form;
        if (!TryTime(form, "StartTime", out var start) || !TryTime(form, "EndTime", out var end))
        {
            return XmlError(400, XmlNamespace, "MissingParameter", "The parameters StartTime and EndTime are required.", requestId);
        }

        var xml = new StringBuilder($"<GetMetricDataResponse xmlns=\"{XmlNamespace}\"><GetMetricDataResult><MetricDataResults>");
        for (var i = 1; form.ContainsKey($"MetricDataQueries.member.{i}.Id"); i++)
        {
            var p = $"MetricDataQueries.member.{i}.";
            var id = form[p + "Id"];
            var ns = form.GetValueOrDefault(p + "MetricStat.Metric.Namespace") ?? string.Empty;
            var metric = form.GetValueOrDefault(p + "MetricStat.Metric.MetricName") ?? string.Empty;
            var stat = form.GetValueOrDefault(p + "MetricStat.Stat") ?? string.Empty;
            if (string.IsNullOrEmpty(stat) || string.IsNullOrEmpty(metric))
            {
                return XmlError(400, XmlNamespace, "ValidationError", $"The query {id} must have MetricStat with Metric and Stat (metric math is not emulated).", requestId);
            }

            var dimensions = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var d = 1; form.TryGetValue($"{p}MetricStat.Metric.Dimensions.member.{d}.Name", out var name); d++)
            {
                dimensions[name] = form.GetValueOrDefault($"{p}MetricStat.Metric.Dimensions.member.{d}.Value") ?? string.Empty;
            }

            var period = int.TryParse(form.GetValueOrDefault(p + "MetricStat.Period"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? seconds : 60;
            var from = RoundDown(start, period);
            var points = _series.TryGetValue(SeriesKey(ns, metric, dimensions, stat), out var found)
                ? found.Where(x => x.Time >= from && x.Time < end).ToList()
                : Aggregate(ns, metric, dimensions, stat, period, from, end);
            if (form.GetValueOrDefault("ScanBy") != "TimestampAscending")
            {
                points.Reverse();
            }

            xml.Append(CultureInfo.InvariantCulture, $"<member><Id>{Escape(id)}</Id><Label>{Escape(metric)}</Label><Timestamps>");
            foreach (var point in points)
            {
                xml.Append(CultureInfo.InvariantCulture, $"<member>{point.Time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}</member>");
            }

            xml.Append("</Timestamps><Values>");
            foreach (var point in points)
            {
                xml.Append(CultureInfo.InvariantCulture, $"<member>{point.Value.ToString("R", CultureInfo.InvariantCulture)}</member>");
            }

            xml.Append("</Values><StatusCode>Complete</StatusCode></member>");
        }

        xml.Append(CultureInfo.InvariantCulture, $"</MetricDataResults><Messages/></GetMetricDataResult><ResponseMetadata><RequestId>{requestId}</RequestId></ResponseMetadata></GetMetricDataResponse>");
        return FakeResponse.Xml(200, xml.ToString());
    }

    private FakeResponse DescribeAlarms(IReadOnlyDictionary<string, string> form, string requestId)
    {
        var prefix = form.GetValueOrDefault("AlarmNamePrefix") ?? string.Empty;
        var now = Server.Clock();
        var xml = new StringBuilder($"<DescribeAlarmsResponse xmlns=\"{XmlNamespace}\"><DescribeAlarmsResult><MetricAlarms>");
        foreach (var alarm in _alarms.Values.Where(a => a.Name.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(a => a.Name, StringComparer.Ordinal))
        {
            var (state, reason, updated) = alarm.FlipAt is { } at && now >= at
                ? (alarm.FlipState, alarm.FlipReason, at)
                : (alarm.State, alarm.Reason, alarm.UpdatedAt);
            xml.Append(CultureInfo.InvariantCulture, $"<member><AlarmName>{Escape(alarm.Name)}</AlarmName><AlarmArn>arn:aws:cloudwatch:{Server.Region}:{FakeAwsServer.AccountId}:alarm:{Escape(alarm.Name)}</AlarmArn>");
            xml.Append(CultureInfo.InvariantCulture, $"<StateValue>{state}</StateValue><StateReason>{Escape(reason)}</StateReason><StateUpdatedTimestamp>{updated.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}</StateUpdatedTimestamp>");
            xml.Append("<ActionsEnabled>true</ActionsEnabled><MetricName>5XXError</MetricName><Namespace>AWS/ApiGateway</Namespace><Statistic>Sum</Statistic><Period>60</Period><EvaluationPeriods>1</EvaluationPeriods><Threshold>1.0</Threshold><ComparisonOperator>GreaterThanOrEqualToThreshold</ComparisonOperator></member>");
        }

        xml.Append(CultureInfo.InvariantCulture, $"</MetricAlarms><CompositeAlarms/></DescribeAlarmsResult><ResponseMetadata><RequestId>{requestId}</RequestId></ResponseMetadata></DescribeAlarmsResponse>");
        return FakeResponse.Xml(200, xml.ToString());
    }

    private List<(DateTimeOffset Time, double Value)> Aggregate(string ns, string metric, IReadOnlyDictionary<string, string> dimensions, string stat, int period, DateTimeOffset from, DateTimeOffset end)
    {
        if (!_published.TryGetValue(SeriesKey(ns, metric, dimensions, string.Empty), out var raw))
        {
            return [];
        }

        var result = new List<(DateTimeOffset, double)>();
        foreach (var group in raw.Where(p => p.Time >= from && p.Time < end).GroupBy(p => RoundDown(p.Time, period)).OrderBy(g => g.Key))
        {
            var values = group.Select(p => p.Value).Order().ToList();
            double? value = stat switch
            {
                "Sum" => values.Sum(),
                "SampleCount" => values.Count,
                "Average" => values.Average(),
                "Minimum" => values[0],
                "Maximum" => values[^1],
                _ when stat.StartsWith('p') && double.TryParse(stat[1..], NumberStyles.Float, CultureInfo.InvariantCulture, out var percentile) =>
                    values[Math.Clamp((int)Math.Ceiling(percentile / 100 * values.Count) - 1, 0, values.Count - 1)],
                _ => null,
            };
            if (value is { } v)
            {
                result.Add((group.Key, v));
            }
        }

        return result;
    }

    /// <summary>StartTime as CloudWatch uses it: rounded down to a whole multiple of the period (from the Unix epoch).</summary>
    public static DateTimeOffset RoundDown(DateTimeOffset time, int periodSeconds)
    {
        var seconds = time.ToUnixTimeSeconds();
        return DateTimeOffset.FromUnixTimeSeconds(seconds - (((seconds % periodSeconds) + periodSeconds) % periodSeconds));
    }

    private static bool TryTime(IReadOnlyDictionary<string, string> form, string name, out DateTimeOffset value)
    {
        value = default;
        return form.TryGetValue(name, out var text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }

    private static string SeriesKey(string ns, string metric, IReadOnlyDictionary<string, string> dimensions, string stat) =>
        $"{ns}|{metric}|{stat}|{string.Join(",", dimensions.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{d.Key}={d.Value}"))}";
}
