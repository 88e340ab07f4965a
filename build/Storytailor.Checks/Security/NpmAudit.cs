using System.Text.Json;
using Storytailor.Core;

namespace Storytailor.Checks.Security;

/// <summary>Settings of the npm audit stage.</summary>
/// <param name="AppRoot">Folder holding package.json and package-lock.json (the workspace root).</param>
public sealed record NpmAuditSettings(string AppRoot)
{
    /// <summary>Vulnerabilities at or above this level fail the stage.</summary>
    public Severity FailLevel { get; init; } = Severity.High;

    /// <summary>Registry whose advisory endpoint answers the audit (npm's own configuration when null).</summary>
    public string? RegistryUrl { get; init; }

    /// <summary>Audit only production dependencies (<c>--omit=dev</c>).</summary>
    public bool OmitDevDependencies { get; init; }

    /// <summary>npm's cache folder (<c>npm_config_cache</c>); npm caches advisory answers there. Null: npm's default.</summary>
    public string? NpmCacheFolder { get; init; }

    public string NpmExecutable { get; init; } = "npm";

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>An advisory behind a vulnerable package: its title and URL, or the package it comes through.</summary>
public sealed record AuditAdvisory(string Title, string? Url);

/// <summary>One vulnerable package as npm audit reports it.</summary>
public sealed record AuditVulnerability(string Package, Severity Severity, IReadOnlyList<AuditAdvisory> Advisories, string FixAvailable, bool IsDirect);

/// <summary>npm's audit report (auditReportVersion 2), reduced to what the gate needs.</summary>
public sealed record NpmAuditReport(IReadOnlyList<AuditVulnerability> Vulnerabilities, IReadOnlyDictionary<string, int> Counts);

public sealed record NpmAuditResult(StageOutcome Outcome, string Message, NpmAuditReport? Report)
{
    public bool Passed => Outcome != StageOutcome.Failed;

    /// <summary>The vulnerabilities at or above the failing level (empty when the audit could not run).</summary>
    public IReadOnlyList<AuditVulnerability> Blocking { get; init; } = [];
}

/// <summary>Runs <c>npm audit --json</c> in the app root and gates on a severity level.</summary>
public sealed class NpmAudit(CommandRunner runner, IBuildLog log)
{
    public async Task<NpmAuditResult> RunAsync(NpmAuditSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var arguments = new List<string> { "audit", "--json" };
        if (!string.IsNullOrWhiteSpace(settings.RegistryUrl))
        {
            arguments.Add($"--registry={settings.RegistryUrl}");
        }

        if (settings.OmitDevDependencies)
        {
            arguments.Add("--omit=dev");
        }

        var environment = new Dictionary<string, string?>
        {
            ["npm_config_update_notifier"] = "false",
            ["npm_config_fund"] = "false",
        };
        if (settings.NpmCacheFolder is { } cache)
        {
            environment["npm_config_cache"] = cache;
        }

        var (result, failure) = await ScannerProcess.RunAsync(
            runner,
            new CommandSpec(settings.NpmExecutable, arguments, settings.AppRoot) { Environment = environment, Timeout = settings.Timeout },
            cancellationToken).ConfigureAwait(false);
        if (result is null)
        {
            return CouldNotRun(failure!);
        }

        var outcome = Interpret(result.StandardOutput, result.StandardError, result.ExitCode, out var report);
        if (report is null)
        {
            return CouldNotRun(outcome);
        }

        return Gate(report, settings.FailLevel);
    }

    /// <summary>Applies the failing level to a parsed report.</summary>
    public NpmAuditResult Gate(NpmAuditReport report, Severity failLevel)
    {
        ArgumentNullException.ThrowIfNull(report);
        var blocking = report.Vulnerabilities.Where(v => v.Severity >= failLevel)
            .OrderByDescending(v => v.Severity).ThenBy(v => v.Package, StringComparer.Ordinal).ToList();
        var counts = string.Join(", ", new[] { "critical", "high", "moderate", "low", "info" }
            .Select(level => $"{report.Counts.GetValueOrDefault(level)} {level}"));
        if (blocking.Count == 0)
        {
            var message = $"npm audit: no vulnerabilities at or above '{failLevel.ToNpmName()}' ({counts}).";
            log.Information(message);
            return new NpmAuditResult(StageOutcome.Passed, message, report);
        }

        var table = Table(blocking);
        var failure = $"npm audit found {blocking.Count} vulnerable package(s) at or above '{failLevel.ToNpmName()}' ({counts}):\n{table}";
        log.Error(failure);
        return new NpmAuditResult(StageOutcome.Failed, failure, report) { Blocking = blocking };
    }

    public static string Table(IEnumerable<AuditVulnerability> vulnerabilities) => TextTable.Render(
        ["package", "severity", "advisory", "url", "fix available"],
        vulnerabilities.SelectMany(v => v.Advisories.DefaultIfEmpty(new AuditAdvisory("(no advisory details)", null)).Select((a, i) => (IReadOnlyList<string>)
        [
            i == 0 ? v.Package : string.Empty,
            i == 0 ? v.Severity.ToNpmName() : string.Empty,
            a.Title,
            a.Url ?? string.Empty,
            i == 0 ? v.FixAvailable : string.Empty,
        ])));

    /// <summary>
    /// Reads npm audit's output. Returns the report, or null with the reason the audit could not be
    /// performed (error JSON, missing vulnerabilities, unreadable output).
    /// </summary>
    public static string Interpret(string standardOutput, string standardError, int exitCode, out NpmAuditReport? report)
    {
        report = null;
        var stderrTail = Tail(standardError);
        if (string.IsNullOrWhiteSpace(standardOutput))
        {
            return $"npm exited with code {exitCode} and printed no JSON. {stderrTail}".Trim();
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(standardOutput);
        }
        catch (JsonException ex)
        {
            return $"npm printed output that is not JSON ({ex.Message}); exit code {exitCode}. {stderrTail}".Trim();
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return $"npm printed unexpected JSON ({root.ValueKind}); exit code {exitCode}.";
            }

            if (root.TryGetProperty("error", out var error))
            {
                var parts = new List<string>();
                if (root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                {
                    parts.Add(message.GetString()!);
                }

                foreach (var name in new[] { "code", "summary", "detail" })
                {
                    if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty(name, out var value)
                        && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString()))
                    {
                        parts.Add(name == "code" ? $"[{value.GetString()}]" : value.GetString()!);
                    }
                }

                if (parts.Count == 0)
                {
                    parts.Add(stderrTail.Length > 0 ? stderrTail : "npm reported an error without details");
                }

                return string.Join(" ", parts);
            }

            if (!root.TryGetProperty("vulnerabilities", out var vulnerabilities) || vulnerabilities.ValueKind != JsonValueKind.Object)
            {
                return $"npm's output has no 'vulnerabilities' (exit code {exitCode}). {stderrTail}".Trim();
            }

            report = new NpmAuditReport(ReadVulnerabilities(vulnerabilities), ReadCounts(root));
            return "ok";
        }
    }

    private static List<AuditVulnerability> ReadVulnerabilities(JsonElement vulnerabilities)
    {
        var list = new List<AuditVulnerability>();
        foreach (var property in vulnerabilities.EnumerateObject())
        {
            var entry = property.Value;
            var name = entry.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : property.Name;
            var severity = entry.TryGetProperty("severity", out var s) && SeverityNames.TryParse(s.GetString(), out var parsed) ? parsed : Severity.Info;
            var advisories = new List<AuditAdvisory>();
            if (entry.TryGetProperty("via", out var via) && via.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in via.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object)
                    {
                        var title = item.TryGetProperty("title", out var t) ? t.GetString() ?? "(untitled advisory)" : "(untitled advisory)";
                        var url = item.TryGetProperty("url", out var u) ? u.GetString() : null;
                        advisories.Add(new AuditAdvisory(title, url));
                    }
                    else if (item.ValueKind == JsonValueKind.String)
                    {
                        advisories.Add(new AuditAdvisory($"via {item.GetString()}", null));
                    }
                }
            }

            var isDirect = entry.TryGetProperty("isDirect", out var d) && d.ValueKind == JsonValueKind.True;
            list.Add(new AuditVulnerability(name, severity, advisories.Distinct().ToList(), DescribeFix(entry), isDirect));
        }

        return list;
    }

    private static string DescribeFix(JsonElement entry)
    {
        if (!entry.TryGetProperty("fixAvailable", out var fix))
        {
            return "unknown";
        }

        return fix.ValueKind switch
        {
            JsonValueKind.True => "yes",
            JsonValueKind.False => "no",
            JsonValueKind.Object => "yes: "
                + (fix.TryGetProperty("name", out var n) ? n.GetString() : "?") + "@"
                + (fix.TryGetProperty("version", out var v) ? v.GetString() : "?")
                + (fix.TryGetProperty("isSemVerMajor", out var major) && major.ValueKind == JsonValueKind.True ? " (semver-major)" : string.Empty),
            _ => "unknown",
        };
    }

    private static Dictionary<string, int> ReadCounts(JsonElement root)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        if (root.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("vulnerabilities", out var v) && v.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in v.EnumerateObject())
            {
                if (property.Value.TryGetInt32(out var count))
                {
                    counts[property.Name] = count;
                }
            }
        }

        return counts;
    }

    private NpmAuditResult CouldNotRun(string reason)
    {
        var message = $"npm audit could not run: {reason}";
        log.Error(message);
        return new NpmAuditResult(StageOutcome.Failed, message, null);
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.Contains("complete log of this run", StringComparison.OrdinalIgnoreCase)).TakeLast(3);
        return string.Join(" ", lines);
    }
}
