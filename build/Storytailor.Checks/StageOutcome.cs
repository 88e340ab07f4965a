namespace Storytailor.Checks;

/// <summary>How a check stage ended. A check that could not run is <see cref="Failed"/>.</summary>
public enum StageOutcome
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>Severity levels shared by npm audit and Snyk, lowest first.</summary>
public enum Severity
{
    Info = 0,
    Low = 1,
    Moderate = 2,
    High = 3,
    Critical = 4,
}

public static class SeverityNames
{
    /// <summary>Parses npm's (info, low, moderate, high, critical) and Snyk's (low, medium, high, critical) names.</summary>
    public static bool TryParse(string? text, out Severity severity)
    {
        switch (text?.Trim().ToUpperInvariant())
        {
            case "INFO":
                severity = Severity.Info;
                return true;
            case "LOW":
                severity = Severity.Low;
                return true;
            case "MODERATE" or "MEDIUM":
                severity = Severity.Moderate;
                return true;
            case "HIGH":
                severity = Severity.High;
                return true;
            case "CRITICAL":
                severity = Severity.Critical;
                return true;
            default:
                severity = Severity.Info;
                return false;
        }
    }

    public static Severity Parse(string text) => TryParse(text, out var severity)
        ? severity
        : throw new ArgumentException($"Unknown severity '{text}'. Use one of: info, low, moderate, high, critical.", nameof(text));

    public static string ToNpmName(this Severity severity) => severity.ToString().ToLowerInvariant();

    /// <summary>Snyk's --severity-threshold accepts low, medium, high, critical.</summary>
    public static string ToSnykName(this Severity severity) => severity switch
    {
        Severity.Info or Severity.Low => "low",
        Severity.Moderate => "medium",
        Severity.High => "high",
        _ => "critical",
    };
}
