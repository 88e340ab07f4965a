using System.Text.Json;
using Storytailor.Core;

namespace Storytailor.Checks.Security;

/// <summary>Settings of the Snyk stage.</summary>
/// <param name="AppRoot">Folder Snyk tests (holds package.json and the lockfile).</param>
/// <param name="Token">The value of SNYK_TOKEN, or null when it is not set (the stage is skipped).</param>
public sealed record SnykSettings(string AppRoot, string? Token)
{
    /// <summary>Issues at or above this level fail the stage (also passed as --severity-threshold).</summary>
    public Severity FailLevel { get; init; } = Severity.High;

    /// <summary>The Snyk CLI executable: a path, or a name looked up on PATH.</summary>
    public string Executable { get; init; } = "snyk";

    /// <summary>Test every project in the folder (<c>--all-projects</c>), e.g. each workspace.</summary>
    public bool AllProjects { get; init; }

    /// <summary>Snyk API endpoint (<c>SNYK_API</c>); null: Snyk's default.</summary>
    public string? ApiUrl { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>One issue from Snyk's JSON.</summary>
public sealed record SnykIssue(string Id, string Title, Severity Severity, string PackageName, string Version, bool IsUpgradable, bool IsPatchable)
{
    public string Url => $"https://security.snyk.io/vuln/{Id}";

    public string Fix => IsUpgradable ? "upgrade" : IsPatchable ? "patch" : "no";
}

public sealed record SnykResult(StageOutcome Outcome, string Message, IReadOnlyList<SnykIssue> Issues)
{
    public bool Passed => Outcome != StageOutcome.Failed;

    public IReadOnlyList<SnykIssue> Blocking { get; init; } = [];
}

/// <summary>Runs <c>snyk test --json</c> when a token is given and gates on a severity level.</summary>
public sealed class SnykScan(CommandRunner runner, SecretRedactor redactor, IBuildLog log)
{
    public const string SkippedReason = "skipped: SNYK_TOKEN is not set";

    public async Task<SnykResult> RunAsync(SnykSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrWhiteSpace(settings.Token))
        {
            log.Warning($"Snyk {SkippedReason}");
            return new SnykResult(StageOutcome.Skipped, SkippedReason, []);
        }

        redactor.Register(settings.Token);
        var arguments = new List<string> { "test", "--json", $"--severity-threshold={settings.FailLevel.ToSnykName()}" };
        if (settings.AllProjects)
        {
            arguments.Add("--all-projects");
        }

        var environment = new Dictionary<string, string?> { ["SNYK_TOKEN"] = settings.Token };
        if (settings.ApiUrl is { } api)
        {
            environment["SNYK_API"] = api;
        }

        var (result, failure) = await ScannerProcess.RunAsync(
            runner,
            new CommandSpec(settings.Executable, arguments, settings.AppRoot) { Environment = environment, Timeout = settings.Timeout },
            cancellationToken).ConfigureAwait(false);
        if (result is null)
        {
            return CouldNotRun(failure!);
        }

        // Snyk's exit codes: 0 no issues, 1 issues found, 2 failure, 3 no supported projects.
        if (result.ExitCode is not (0 or 1))
        {
            var reason = TryReadError(result.StandardOutput) ?? result.Tail(5);
            return CouldNotRun($"snyk exited with code {result.ExitCode}: {reason}");
        }

        IReadOnlyList<SnykIssue> issues;
        try
        {
            issues = Parse(result.StandardOutput, out var error);
            if (error is not null)
            {
                return CouldNotRun(error);
            }
        }
        catch (JsonException ex)
        {
            return CouldNotRun($"snyk printed output that is not JSON ({ex.Message})");
        }

        if (result.ExitCode == 1 && issues.Count == 0)
        {
            return CouldNotRun("snyk exited with code 1 (issues found) but its JSON lists no vulnerabilities");
        }

        return Gate(issues, settings.FailLevel);
    }

    public SnykResult Gate(IReadOnlyList<SnykIssue> issues, Severity failLevel)
    {
        ArgumentNullException.ThrowIfNull(issues);
        var blocking = issues.Where(i => i.Severity >= failLevel)
            .OrderByDescending(i => i.Severity).ThenBy(i => i.PackageName, StringComparer.Ordinal).ThenBy(i => i.Id, StringComparer.Ordinal).ToList();
        if (blocking.Count == 0)
        {
            var message = $"Snyk: no issues at or above '{failLevel.ToNpmName()}' ({issues.Count} below it).";
            log.Information(message);
            return new SnykResult(StageOutcome.Passed, message, issues);
        }

        var table = TextTable.Render(
            ["package", "severity", "issue", "url", "fix available"],
            blocking.Select(i => (IReadOnlyList<string>)[$"{i.PackageName}@{i.Version}", i.Severity.ToNpmName(), i.Title, i.Url, i.Fix]));
        var failure = $"Snyk found {blocking.Count} issue(s) at or above '{failLevel.ToNpmName()}':\n{table}";
        log.Error(failure);
        return new SnykResult(StageOutcome.Failed, failure, issues) { Blocking = blocking };
    }

    /// <summary>Reads Snyk's JSON: one project object or an array of them (--all-projects). Issues are de-duplicated.</summary>
    public static IReadOnlyList<SnykIssue> Parse(string json, out string? error)
    {
        error = null;
        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "null" : json);
        var root = document.RootElement;
        var projects = root.ValueKind switch
        {
            JsonValueKind.Array => root.EnumerateArray().ToList(),
            JsonValueKind.Object => [root],
            _ => [],
        };
        if (projects.Count == 0)
        {
            error = "snyk printed no result";
            return [];
        }

        var issues = new List<SnykIssue>();
        foreach (var project in projects)
        {
            if (project.TryGetProperty("error", out var e))
            {
                error = e.ValueKind == JsonValueKind.String ? e.GetString() : e.ToString();
                return [];
            }

            if (!project.TryGetProperty("vulnerabilities", out var vulnerabilities) || vulnerabilities.ValueKind != JsonValueKind.Array)
            {
                error = "snyk's JSON has no 'vulnerabilities' list";
                return [];
            }

            foreach (var v in vulnerabilities.EnumerateArray())
            {
                issues.Add(new SnykIssue(
                    Text(v, "id"),
                    Text(v, "title"),
                    SeverityNames.TryParse(Text(v, "severity"), out var severity) ? severity : Severity.Info,
                    Text(v, "packageName"),
                    Text(v, "version"),
                    v.TryGetProperty("isUpgradable", out var up) && up.ValueKind == JsonValueKind.True,
                    v.TryGetProperty("isPatchable", out var patch) && patch.ValueKind == JsonValueKind.True));
            }
        }

        return issues.Distinct().ToList();
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : string.Empty;

    private static string? TryReadError(string json)
    {
        try
        {
            Parse(json, out var error);
            return error;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private SnykResult CouldNotRun(string reason)
    {
        var message = $"Snyk could not run: {reason}";
        log.Error(message);
        return new SnykResult(StageOutcome.Failed, message, []);
    }
}
