using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Storytailor.FakeAws;

/// <summary>
/// CloudWatch Logs Insights (JSON 1.1, target Logs_20140328): StartQuery over log groups that exist (others answer
/// ResourceNotFoundException, as AWS does for a function that never logged) and GetQueryResults, Complete at once, with
/// @timestamp, @message and @log of every line in the time range. Filters, stats and parse commands are not emulated.
/// </summary>
public sealed class FakeLogs(FakeAwsServer server) : FakeService(server)
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(DateTimeOffset Time, string Message)>> _groups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonArray> _queries = new(StringComparer.Ordinal);

    public override string Name => "logs";

    /// <summary>Creates the log group (if needed) and appends one line to it.</summary>
    public void PutLine(string logGroup, DateTimeOffset time, string message) =>
        _groups.GetOrAdd(logGroup, _ => new ConcurrentQueue<(DateTimeOffset, string)>()).Enqueue((time, message));

    internal override string OperationOf(FakeRequest request) =>
        request.Header("X-Amz-Target") is { } target && target.StartsWith("Logs_20140328.", StringComparison.Ordinal) ? target["Logs_20140328.".Length..] : "Unsupported";

    internal override bool IsMutating(string operation) => operation is "PutLogEvents" or "CreateLogGroup";

    internal override FakeResponse SignatureError(SignatureCheck check, string requestId) => Error(400, check.ErrorCode is "InvalidAccessKeyId" ? "UnrecognizedClientException" : "InvalidSignatureException", check.Message);

    internal override FakeResponse ThrottleError(FakeRequest request, string requestId) => Error(400, "ThrottlingException", "Rate exceeded");

    internal override FakeResponse ServerError(FakeRequest request, string requestId) => Error(500, "ServiceUnavailableException", "The service cannot complete the request.");

    internal override FakeResponse Handle(string operation, FakeRequest request, string requestId)
    {
        using var body = JsonDocument.Parse(request.Body.Length == 0 ? "{}"u8.ToArray() : request.Body);
        var root = body.RootElement;
        switch (operation)
        {
            case "StartQuery":
                var groups = root.TryGetProperty("logGroupNames", out var names) ? names.EnumerateArray().Select(n => n.GetString() ?? string.Empty).ToList() : [];
                var missing = groups.FirstOrDefault(g => !_groups.ContainsKey(g));
                if (groups.Count == 0 || missing is not null)
                {
                    return Error(400, "ResourceNotFoundException", $"Log group '{missing ?? "(none)"}' does not exist for account ID '{FakeAwsServer.AccountId}'");
                }

                var start = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("startTime").GetInt64());
                var end = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("endTime").GetInt64());
                var rows = new JsonArray();
                foreach (var group in groups)
                {
                    foreach (var (time, message) in _groups[group].Where(l => l.Time >= start && l.Time <= end).OrderBy(l => l.Time))
                    {
                        rows.Add(new JsonArray(
                            Cell("@timestamp", time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)),
                            Cell("@message", message),
                            Cell("@log", $"{FakeAwsServer.AccountId}:{group}")));
                    }
                }

                var id = Guid.NewGuid().ToString();
                _queries[id] = rows;
                return FakeResponse.Json(200, new JsonObject { ["queryId"] = id }.ToJsonString());
            case "GetQueryResults":
                var queryId = root.TryGetProperty("queryId", out var q) ? q.GetString() ?? string.Empty : string.Empty;
                return _queries.TryGetValue(queryId, out var results)
                    ? FakeResponse.Json(200, new JsonObject { ["results"] = results.DeepClone(), ["status"] = "Complete" }.ToJsonString())
                    : Error(400, "ResourceNotFoundException", $"The query {queryId} does not exist.");
            default:
                return Error(400, "UnknownOperationException", $"The fake Logs does not implement {operation}.");
        }
    }

    private static JsonObject Cell(string field, string value) => new() { ["field"] = field, ["value"] = value };

    private static FakeResponse Error(int status, string type, string message) =>
        FakeResponse.Json(status, new JsonObject { ["__type"] = type, ["message"] = message }.ToJsonString());
}
