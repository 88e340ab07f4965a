using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Storytailor.Core;

namespace Storytailor.Aws;

/// <summary>One row of a Logs Insights query: field name → value.</summary>
public sealed record LogQueryRow(IReadOnlyDictionary<string, string> Fields)
{
    public string? this[string field] => Fields.TryGetValue(field, out var value) ? value : null;
}

/// <summary>A Logs Insights query that did not finish (Failed, Cancelled, Timeout, or still running after the wait).</summary>
public sealed class LogQueryException(string message) : AwsServiceException("logs", "GetQueryResults", "QueryNotComplete", message, null, null);

/// <summary>CloudWatch Logs Insights: run a query over log groups and read its rows.</summary>
public interface ILogsInsights
{
    /// <summary>Starts the query over [start, end] and polls its results until it completes (or <paramref name="timeout"/> passes).</summary>
    Task<IReadOnlyList<LogQueryRow>> QueryAsync(IReadOnlyList<string> logGroups, string query, DateTimeOffset start, DateTimeOffset end, TimeSpan timeout, CancellationToken cancellationToken = default);
}

/// <summary>Logs Insights on CloudWatch Logs' JSON 1.1 API (signing name logs, target Logs_20140328).</summary>
public sealed class CloudWatchLogsInsights : ILogsInsights
{
    private const string Target = "Logs_20140328.";

    /// <summary>The IAM actions this client needs, per operation it calls.</summary>
    public static IReadOnlyDictionary<string, string> Operations { get; } = new Dictionary<string, string>
    {
        ["StartQuery"] = "logs:StartQuery",
        ["GetQueryResults"] = "logs:GetQueryResults",
    };

    private readonly AwsRequestSender _sender;
    private readonly IBuildLog _log;
    private readonly TimeProvider _time;

    internal CloudWatchLogsInsights(AwsRequestSender sender, IBuildLog log, TimeProvider? time = null)
    {
        _sender = sender;
        _log = log;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Time between two GetQueryResults calls while the query runs.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    public async Task<IReadOnlyList<LogQueryRow>> QueryAsync(IReadOnlyList<string> logGroups, string query, DateTimeOffset start, DateTimeOffset end, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(logGroups);
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        var groups = new JsonArray();
        foreach (var group in logGroups)
        {
            groups.Add(group);
        }

        var started = await PostAsync("StartQuery", new JsonObject
        {
            ["logGroupNames"] = groups,
            ["startTime"] = start.ToUnixTimeSeconds(),
            ["endTime"] = end.ToUnixTimeSeconds(),
            ["queryString"] = query,
        }, string.Join(",", logGroups), cancellationToken).ConfigureAwait(false);
        var queryId = started.RootElement.TryGetProperty("queryId", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()!
            : throw new AwsServiceException("logs", "StartQuery", "MalformedResponse", "the answer has no queryId", null, null);

        var deadline = _time.GetUtcNow() + timeout;
        while (true)
        {
            using var results = await PostAsync("GetQueryResults", new JsonObject { ["queryId"] = queryId }, queryId, cancellationToken).ConfigureAwait(false);
            var status = results.RootElement.TryGetProperty("status", out var s) ? s.GetString() : null;
            if (status == "Complete")
            {
                var rows = ReadRows(results.RootElement);
                _log.Verbose($"logs: query {queryId} over {logGroups.Count} log group(s): {rows.Count} rows");
                return rows;
            }

            if (status is not ("Scheduled" or "Running"))
            {
                throw new LogQueryException($"Logs Insights query {queryId} ended {status ?? "without a status"}");
            }

            if (_time.GetUtcNow() >= deadline)
            {
                throw new LogQueryException($"Logs Insights query {queryId} still {status} after {timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s");
            }

            await Task.Delay(PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static List<LogQueryRow> ReadRows(JsonElement root)
    {
        var rows = new List<LogQueryRow>();
        if (!root.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Array)
        {
            return rows;
        }

        foreach (var row in results.EnumerateArray())
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var cell in row.EnumerateArray())
            {
                if (cell.TryGetProperty("field", out var field) && field.GetString() is { } name)
                {
                    fields[name] = cell.TryGetProperty("value", out var value) ? value.GetString() ?? string.Empty : string.Empty;
                }
            }

            rows.Add(new LogQueryRow(fields));
        }

        return rows;
    }

    private async Task<JsonDocument> PostAsync(string operation, JsonObject body, string resource, CancellationToken cancellationToken)
    {
        var response = await _sender.SendAsync(
            new AwsRequest(operation, HttpMethod.Post, "/")
            {
                Body = Encoding.UTF8.GetBytes(body.ToJsonString()),
                ContentType = "application/x-amz-json-1.1",
                Headers = new Dictionary<string, string> { ["X-Amz-Target"] = Target + operation },
                Resource = resource,
            },
            cancellationToken).ConfigureAwait(false);
        return JsonDocument.Parse(response.Body.Length == 0 ? "{}"u8.ToArray() : response.Body);
    }

    /// <summary>The JSON protocol's error document (__type, message), as Lambda's.</summary>
    internal static AwsServiceException ReadError(string operation, AwsResponse response)
    {
        var inner = LambdaFunctionRegistry.ReadError(operation, response);
        return new AwsServiceException("logs", operation, inner.ErrorCode, inner.ErrorMessage, inner.RequestId, response.StatusCode);
    }
}
