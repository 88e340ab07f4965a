using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Storytailor.Core;

namespace Storytailor.Aws;

/// <summary>The metrics reader on CloudWatch's query API (signing name monitoring, version 2010-08-01).</summary>
public sealed class CloudWatchMetricsReader : IMetricsReader
{
    public const string ApiVersion = "2010-08-01";

    private static readonly XNamespace Ns = "http://monitoring.amazonaws.com/doc/2010-08-01/";

    /// <summary>The IAM actions this client needs, per operation it calls.</summary>
    public static IReadOnlyDictionary<string, string> Operations { get; } = new Dictionary<string, string>
    {
        ["GetMetricData"] = "cloudwatch:GetMetricData",
        ["DescribeAlarms"] = "cloudwatch:DescribeAlarms",
    };

    private readonly AwsRequestSender _sender;
    private readonly IBuildLog _log;

    internal CloudWatchMetricsReader(AwsRequestSender sender, IBuildLog log)
    {
        _sender = sender;
        _log = log;
    }

    public async Task<IReadOnlyList<MetricSeries>> GetMetricDataAsync(IReadOnlyList<MetricQuery> queries, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var series = queries.ToDictionary(q => q.Id, q => (Label: (string?)null, Points: new List<MetricPoint>(), Status: "Complete"), StringComparer.Ordinal);
        string? nextToken = null;
        do
        {
            var form = new List<KeyValuePair<string, string>>
            {
                new("Action", "GetMetricData"),
                new("Version", ApiVersion),
                new("StartTime", AwsRequestSender.Iso8601(start)),
                new("EndTime", AwsRequestSender.Iso8601(end)),
                new("ScanBy", "TimestampAscending"),
            };
            for (var i = 0; i < queries.Count; i++)
            {
                var q = queries[i];
                var prefix = $"MetricDataQueries.member.{i + 1}.";
                form.Add(new(prefix + "Id", q.Id));
                form.Add(new(prefix + "MetricStat.Metric.Namespace", q.Namespace));
                form.Add(new(prefix + "MetricStat.Metric.MetricName", q.MetricName));
                var d = 1;
                foreach (var (name, value) in q.Dimensions)
                {
                    form.Add(new($"{prefix}MetricStat.Metric.Dimensions.member.{d}.Name", name));
                    form.Add(new($"{prefix}MetricStat.Metric.Dimensions.member.{d}.Value", value));
                    d++;
                }

                form.Add(new(prefix + "MetricStat.Period", q.PeriodSeconds.ToString(CultureInfo.InvariantCulture)));
                form.Add(new(prefix + "MetricStat.Stat", q.Stat));
                form.Add(new(prefix + "ReturnData", "true"));
            }

            if (nextToken is not null)
            {
                form.Add(new("NextToken", nextToken));
            }

            var result = await PostAsync("GetMetricData", form, string.Join(",", queries.Select(q => $"{q.Namespace}/{q.MetricName}:{q.Stat}")), cancellationToken).ConfigureAwait(false);
            foreach (var member in result.Element(Ns + "MetricDataResults")?.Elements(Ns + "member") ?? [])
            {
                var id = member.Element(Ns + "Id")?.Value ?? string.Empty;
                var timestamps = member.Element(Ns + "Timestamps")?.Elements(Ns + "member").Select(t => DateTimeOffset.Parse(t.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)).ToList() ?? [];
                var values = member.Element(Ns + "Values")?.Elements(Ns + "member").Select(v => double.Parse(v.Value, NumberStyles.Float, CultureInfo.InvariantCulture)).ToList() ?? [];
                if (timestamps.Count != values.Count)
                {
                    throw new AwsServiceException("cloudwatch", "GetMetricData", "MalformedResponse", $"series '{id}' has {timestamps.Count} timestamps but {values.Count} values", null, null);
                }

                var entry = series.TryGetValue(id, out var known) ? known : (Label: null, Points: new List<MetricPoint>(), Status: "Complete");
                entry.Label = member.Element(Ns + "Label")?.Value ?? entry.Label;
                entry.Status = member.Element(Ns + "StatusCode")?.Value ?? entry.Status;
                entry.Points.AddRange(timestamps.Zip(values, (t, v) => new MetricPoint(t, v)));
                series[id] = entry;
            }

            nextToken = result.Element(Ns + "NextToken")?.Value is { Length: > 0 } token ? token : null;
        }
        while (nextToken is not null);

        _log.Verbose($"cloudwatch: {series.Count} series for {start:u} – {end:u}");
        return [.. series.Select(s => new MetricSeries(s.Key, s.Value.Label, [.. s.Value.Points.OrderBy(p => p.Timestamp)], s.Value.Status))];
    }

    public async Task<IReadOnlyList<AlarmStatus>> DescribeAlarmsAsync(string namePrefix, CancellationToken cancellationToken = default)
    {
        var alarms = new List<AlarmStatus>();
        string? nextToken = null;
        do
        {
            var form = new List<KeyValuePair<string, string>>
            {
                new("Action", "DescribeAlarms"),
                new("Version", ApiVersion),
                new("AlarmNamePrefix", namePrefix),
                new("AlarmTypes.member.1", "MetricAlarm"),
                new("MaxRecords", "100"),
            };
            if (nextToken is not null)
            {
                form.Add(new("NextToken", nextToken));
            }

            var result = await PostAsync("DescribeAlarms", form, namePrefix, cancellationToken).ConfigureAwait(false);
            foreach (var alarm in result.Element(Ns + "MetricAlarms")?.Elements(Ns + "member") ?? [])
            {
                var updated = alarm.Element(Ns + "StateUpdatedTimestamp")?.Value;
                alarms.Add(new AlarmStatus(
                    alarm.Element(Ns + "AlarmName")?.Value ?? string.Empty,
                    alarm.Element(Ns + "StateValue")?.Value ?? "INSUFFICIENT_DATA",
                    alarm.Element(Ns + "StateReason")?.Value,
                    updated is null ? null : DateTimeOffset.Parse(updated, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)));
            }

            nextToken = result.Element(Ns + "NextToken")?.Value is { Length: > 0 } token ? token : null;
        }
        while (nextToken is not null);

        _log.Information($"cloudwatch: {alarms.Count} alarms with prefix '{namePrefix}', {alarms.Count(a => a.IsAlarm)} in ALARM");
        return alarms;
    }

    private async Task<XElement> PostAsync(string operation, List<KeyValuePair<string, string>> form, string resource, CancellationToken cancellationToken)
    {
        var body = string.Join('&', form.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        var response = await _sender.SendAsync(
            new AwsRequest(operation, HttpMethod.Post, "/")
            {
                Body = Encoding.UTF8.GetBytes(body),
                ContentType = "application/x-www-form-urlencoded; charset=utf-8",
                Resource = resource,
            },
            cancellationToken).ConfigureAwait(false);
        return XDocument.Parse(response.Text).Root!.Element(Ns + operation + "Result")
            ?? throw new AwsServiceException("cloudwatch", operation, "MalformedResponse", $"the answer has no {operation}Result", response.Header("x-amzn-RequestId"), response.StatusCode);
    }

    /// <summary>The query protocol's error document: ErrorResponse/Error/Code, Message; RequestId.</summary>
    internal static AwsServiceException ReadError(string operation, AwsResponse response)
    {
        var inner = Route53DnsRouter.ReadError(operation, response);
        return new AwsServiceException("cloudwatch", operation, inner.ErrorCode, inner.ErrorMessage, inner.RequestId, response.StatusCode);
    }
}
