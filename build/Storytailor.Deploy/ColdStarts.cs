using System.Globalization;
using System.Text.RegularExpressions;
using Storytailor.Aws;

namespace Storytailor.Deploy;

/// <summary>Where one sample's cold starts of one function came from, and what they were.</summary>
/// <param name="Source">"Lambda Insights", "Logs Insights" or null (not measured).</param>
/// <param name="MaxInitMs">Longest init duration in the sample (null: no cold start, or not measured).</param>
/// <param name="Count">Cold starts seen (REPORT lines with an Init Duration, or Insights data points).</param>
/// <param name="NotMeasured">Why cold starts could not be measured (null when measured).</param>
public sealed record ColdStartReading(string? Source, double? MaxInitMs, int Count, string? NotMeasured)
{
    public bool Measured => Source is not null;
}

/// <summary>
/// Cold starts from the functions' REPORT log lines through CloudWatch Logs Insights, for functions that publish no
/// Lambda Insights metrics. The query asks only for each line's time, text and log group and parses "Init Duration"
/// itself, so it does not depend on Insights' discovered fields.
/// </summary>
public sealed partial class ColdStartLogs(ILogsInsights logs, TimeSpan queryTimeout)
{
    /// <summary>REPORT lines of the log groups, oldest first (Logs Insights answers at most 10 000 rows).</summary>
    public const string ReportQuery = "fields @timestamp, @message, @log | filter @message like /^REPORT / | sort @timestamp asc | limit 10000";

    /// <summary>The log group Lambda writes a function's lines to.</summary>
    public static string LogGroupOf(string function) => $"/aws/lambda/{function}";

    /// <summary>Per function, the cold starts in [start, end); a query that fails is "not measured" with its reason for every function.</summary>
    public async Task<IReadOnlyDictionary<string, ColdStartReading>> ReadAsync(IReadOnlyList<string> functions, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(functions);
        var readings = new Dictionary<string, ColdStartReading>(StringComparer.Ordinal);
        if (functions.Count == 0)
        {
            return readings;
        }

        IReadOnlyList<LogQueryRow> rows;
        try
        {
            rows = await logs.QueryAsync([.. functions.Select(LogGroupOf)], ReportQuery, start, end, queryTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException ex)
        {
            // One reason for all (no request id), so a window of failing samples reports it once.
            var reason = $"Logs Insights could not read {string.Join(", ", functions.Select(LogGroupOf))}: {ex.ErrorCode}: {ex.ErrorMessage}";
            foreach (var function in functions)
            {
                readings[function] = new ColdStartReading(null, null, 0, reason);
            }

            return readings;
        }

        foreach (var function in functions)
        {
            var group = LogGroupOf(function);
            var inits = rows
                .Where(r => r["@log"] is not { } log || log == group || log.EndsWith(":" + group, StringComparison.Ordinal))
                .Where(r => InWindow(r["@timestamp"], start, end))
                .Select(r => InitDuration(r["@message"]))
                .OfType<double>()
                .ToList();
            readings[function] = new ColdStartReading("Logs Insights", inits.Count == 0 ? null : inits.Max(), inits.Count, null);
        }

        return readings;
    }

    /// <summary>"REPORT RequestId: … Init Duration: 212.34 ms …" → 212.34; null for a warm invocation or another line.</summary>
    public static double? InitDuration(string? message)
    {
        if (message is null || !message.StartsWith("REPORT ", StringComparison.Ordinal))
        {
            return null;
        }

        var match = InitPattern().Match(message);
        return match.Success ? double.Parse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Logs Insights gives @timestamp as "2025-06-02 10:00:01.000" (UTC) or epoch milliseconds; rows without one are kept.</summary>
    private static bool InWindow(string? timestamp, DateTimeOffset start, DateTimeOffset end)
    {
        if (string.IsNullOrWhiteSpace(timestamp))
        {
            return true;
        }

        DateTimeOffset at;
        if (long.TryParse(timestamp, NumberStyles.Integer, CultureInfo.InvariantCulture, out var millis))
        {
            at = DateTimeOffset.FromUnixTimeMilliseconds(millis);
        }
        else if (!DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at))
        {
            return true;
        }

        return at >= start && at < end;
    }

    [GeneratedRegex(@"Init Duration:\s*([0-9]+(?:\.[0-9]+)?)\s*ms")]
    private static partial Regex InitPattern();
}
