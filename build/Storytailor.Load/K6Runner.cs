using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Storytailor.Core;

namespace Storytailor.Load;

/// <summary>A k6 run: the executable, the app's script for the profile, target and where the summary goes.</summary>
public sealed record K6Run(string K6Executable, string ScriptPath, Uri BaseUrl, LoadProfile Profile, string WorkingDirectory, string SummaryExportPath)
{
    /// <summary>Passed to the script as API_KEY (k6 scripts read __ENV.API_KEY); never logged.</summary>
    public string? ApiKey { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);
}

/// <summary>
/// Runs k6 when it is installed, with the build's thresholds, and maps its <c>--summary-export</c>
/// JSON into a <see cref="LoadTestResult"/>. Exit code 99 means k6's thresholds failed.
/// </summary>
public sealed class K6Runner(CommandRunner runner, IBuildLog log)
{
    public const int ThresholdsFailedExitCode = 99;

    /// <summary>The app's k6 script for a profile (<c>&lt;profile&gt;.js</c> beside the scenario file, e.g. testing/load/), or null when it has none.</summary>
    public static string? FindScript(string appRoot, string profile, string scenarioFile = ScenarioFile.DefaultRelativePath)
    {
        var path = Path.Combine(appRoot, Path.GetDirectoryName(scenarioFile) ?? string.Empty, profile + ".js");
        return File.Exists(path) ? path : null;
    }

    public async Task<LoadTestResult> RunAsync(K6Run run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var profile = run.Profile;
        var target = run.BaseUrl.ToString();
        var configPath = Path.ChangeExtension(run.SummaryExportPath, ".options.json");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(run.SummaryExportPath))!);
        File.WriteAllText(configPath, OptionsJson(profile));
        if (File.Exists(run.SummaryExportPath))
        {
            File.Delete(run.SummaryExportPath);
        }

        var environment = new Dictionary<string, string?>
        {
            ["BASE_URL"] = target.TrimEnd('/'),
            ["API_KEY"] = run.ApiKey ?? string.Empty,
            ["PROFILE"] = profile.Name,
            ["DURATION"] = string.Create(CultureInfo.InvariantCulture, $"{profile.Duration.TotalSeconds:0}s"),
            ["RATE"] = profile.Rate.ToString(CultureInfo.InvariantCulture),
            ["VUS"] = profile.VirtualUsers.ToString(CultureInfo.InvariantCulture),
            ["K6_NO_USAGE_REPORT"] = "true",
        };
        var arguments = new List<string>
        {
            "run",
            "--config", configPath,
            "--summary-export", run.SummaryExportPath,
            "--summary-trend-stats", TrendStats(profile),
            "--no-color",
            run.ScriptPath,
        };
        var startedAt = DateTimeOffset.UtcNow;
        log.Information($"Running k6 ({Path.GetFileName(run.ScriptPath)}, {profile.Describe()}) against {target}");
        CommandResult outcome;
        try
        {
            outcome = await runner.RunAsync(new CommandSpec(run.K6Executable, arguments, run.WorkingDirectory) { Environment = environment, Timeout = run.Timeout }, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandException ex)
        {
            return CouldNotRun(profile, target, startedAt, ex.Message);
        }

        if (outcome.ExitCode is not 0 and not ThresholdsFailedExitCode)
        {
            return CouldNotRun(profile, target, startedAt, $"k6 exited with code {outcome.ExitCode}: {outcome.Tail(10)}");
        }

        if (!File.Exists(run.SummaryExportPath))
        {
            return CouldNotRun(profile, target, startedAt, $"k6 exited with code {outcome.ExitCode} but wrote no summary at {run.SummaryExportPath}.");
        }

        var result = MapSummary(File.ReadAllText(run.SummaryExportPath), profile, target, startedAt);
        if (outcome.ExitCode == ThresholdsFailedExitCode && result.Thresholds.All(t => t.Passed))
        {
            // k6 judged its own (script) thresholds as failed even where ours pass: keep k6's verdict.
            result = result with { Thresholds = [.. result.Thresholds, new ThresholdOutcome("k6", "exit code 99 (thresholds crossed)", ThresholdsFailedExitCode, false)] };
        }

        return result;
    }

    /// <summary>Maps k6's <c>--summary-export</c> JSON into the build's result, evaluating the build's thresholds on it.</summary>
    public static LoadTestResult MapSummary(string summaryJson, LoadProfile profile, string target, DateTimeOffset startedAt)
    {
        ArgumentNullException.ThrowIfNull(profile);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(summaryJson);
        }
        catch (JsonException ex)
        {
            return CouldNotRun(profile, target, startedAt, $"k6 summary is not valid JSON: {ex.Message}");
        }

        if (root?["metrics"] is not JsonObject metrics)
        {
            return CouldNotRun(profile, target, startedAt, "k6 summary has no 'metrics' object.");
        }

        var reqs = metrics["http_reqs"];
        var requests = (long)Number(reqs, "count");
        var rate = Number(reqs, "rate");
        var failedMetric = metrics["http_req_failed"];

        // A Rate metric counts non-zero samples as "passes": for http_req_failed those are the failed requests.
        var failed = failedMetric is null ? 0 : (long)Number(failedMetric, "passes");
        var dropped = (long)Number(metrics["dropped_iterations"], "count");
        var duration = metrics["http_req_duration"];
        LatencySummary? latency = duration is null || requests == 0 ? null : new LatencySummary(
            requests,
            Number(duration, "min"),
            Number(duration, "avg"),
            Number(duration, "med"),
            Number(duration, "p(90)"),
            Number(duration, "p(95)"),
            Number(duration, "p(99)"),
            Number(duration, "max"));
        var seconds = rate > 0 ? requests / rate : profile.Duration.TotalSeconds;
        var snapshot = new LoadSnapshot(requests, failed, dropped, seconds, latency);
        var outcomes = new List<ThresholdOutcome>();
        foreach (var threshold in profile.Thresholds)
        {
            var observed = threshold.Metric == LoadMetrics.Duration && threshold.Aggregation.StartsWith("p(", StringComparison.Ordinal)
                ? (duration?[threshold.Aggregation] is { } exact ? exact.GetValue<double>() : (double?)null)
                : threshold.Observe(snapshot);
            outcomes.Add(new ThresholdOutcome(threshold.Metric, threshold.Expression, observed, observed is { } v && threshold.Compare(v), threshold.AbortOnFail));
        }

        foreach (var (metric, node) in metrics)
        {
            if (node?["thresholds"] is not JsonObject k6Thresholds)
            {
                continue;
            }

            foreach (var (expression, verdict) in k6Thresholds)
            {
                // In --summary-export a threshold maps to true when it FAILED (handleSummary data uses {"ok": bool}).
                var failedThreshold = verdict switch
                {
                    JsonValue value when value.TryGetValue<bool>(out var crossed) => crossed,
                    JsonObject detail when detail["ok"] is JsonValue ok && ok.TryGetValue<bool>(out var okValue) => !okValue,
                    _ => true,
                };
                if (failedThreshold && !outcomes.Any(o => o.Metric == metric && SameExpression(o.Expression, expression)))
                {
                    outcomes.Add(new ThresholdOutcome(metric, expression.Replace(" ", string.Empty, StringComparison.Ordinal), null, false));
                }
            }
        }

        return new LoadTestResult(profile.Name, "k6", profile.Model, target, startedAt, seconds, requests, failed, dropped, latency, outcomes);
    }

    private static bool SameExpression(string a, string b) =>
        string.Equals(a.Replace(" ", string.Empty, StringComparison.Ordinal), b.Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);

    private static LoadTestResult CouldNotRun(LoadProfile profile, string target, DateTimeOffset startedAt, string reason) =>
        new(profile.Name, "k6", profile.Model, target, startedAt, 0, 0, 0, 0, null, []) { CouldNotRun = reason };

    private static double Number(JsonNode? node, string property) =>
        node?[property] is JsonValue value && value.TryGetValue<double>(out var number) ? number : 0;

    private static string TrendStats(LoadProfile profile)
    {
        var stats = new List<string> { "avg", "min", "med", "max", "p(90)", "p(95)", "p(99)" };
        stats.AddRange(profile.Thresholds.Where(t => t.Metric == LoadMetrics.Duration).Select(t => t.Aggregation));
        return string.Join(',', stats.Distinct(StringComparer.Ordinal));
    }

    /// <summary>k6 options file carrying the build's thresholds (k6 merges it under the script's own options).</summary>
    private static string OptionsJson(LoadProfile profile)
    {
        var thresholds = new JsonObject();
        foreach (var group in profile.Thresholds.GroupBy(t => t.Metric, StringComparer.Ordinal))
        {
            thresholds[group.Key] = new JsonArray([.. group.Select(t => (JsonNode)new JsonObject { ["threshold"] = t.Expression, ["abortOnFail"] = t.AbortOnFail })]);
        }

        return new JsonObject { ["thresholds"] = thresholds }.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }
}
