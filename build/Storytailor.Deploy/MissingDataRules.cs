namespace Storytailor.Deploy;

/// <summary>What a sample without data for a metric means, as a CloudWatch alarm's TreatMissingData does.</summary>
public enum MissingData
{
    /// <summary>No data is a breach.</summary>
    Breaching,

    /// <summary>No data is healthy.</summary>
    NotBreaching,

    /// <summary>No data is not judged; the sample records it as a fact.</summary>
    Ignore,
}

/// <summary>
/// The missing-data rule of every monitored metric. Defaults are the safe ones: the window never passes blind on the
/// API (no request count for <see cref="DeploymentEnvironmentSettings.NoTrafficSamples"/> samples, no latency or 5XX data
/// while requests are counted), while Lambda metrics that CloudWatch only publishes when something happened are not breaches.
/// </summary>
public sealed record MissingDataRules
{
    /// <summary>cake.config key per metric, with the metric's name in facts.</summary>
    public static IReadOnlyDictionary<string, string> Keys { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["MissingRequests"] = "requests",
        ["MissingLatency"] = "latency p95",
        ["MissingErrorRate"] = "5XX rate",
        ["MissingLambdaErrors"] = "Lambda errors",
        ["MissingLambdaThrottles"] = "Lambda throttles",
        ["MissingLambdaDuration"] = "Lambda duration p95",
        ["MissingColdStarts"] = "cold starts",
    };

    /// <summary>The new colour's API request count (a breach only after NoTrafficSamples samples in a row without requests).</summary>
    public MissingData Requests { get; init; } = MissingData.Breaching;

    /// <summary>API p95 latency, judged when the sample counted requests.</summary>
    public MissingData Latency { get; init; } = MissingData.Breaching;

    /// <summary>API 5XX count, judged when the sample counted requests.</summary>
    public MissingData ErrorRate { get; init; } = MissingData.Breaching;

    /// <summary>Lambda Errors (published only when the function ran).</summary>
    public MissingData LambdaErrors { get; init; } = MissingData.NotBreaching;

    /// <summary>Lambda Throttles (published only when the function was called).</summary>
    public MissingData LambdaThrottles { get; init; } = MissingData.NotBreaching;

    /// <summary>Lambda Duration p95 (no data when the function did not run in the sample).</summary>
    public MissingData LambdaDuration { get; init; } = MissingData.Ignore;

    /// <summary>Cold starts (init duration) when neither Lambda Insights nor Logs Insights can measure them.</summary>
    public MissingData ColdStarts { get; init; } = MissingData.Ignore;

    /// <summary>The rule written in cake.config: breaching, notBreaching or ignore (case-insensitive).</summary>
    public static bool TryParse(string? text, out MissingData rule)
    {
        rule = MissingData.Breaching;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "breaching":
                rule = MissingData.Breaching;
                return true;
            case "notbreaching" or "not-breaching":
                rule = MissingData.NotBreaching;
                return true;
            case "ignore":
                rule = MissingData.Ignore;
                return true;
            default:
                return false;
        }
    }

    /// <summary>"breaching", "notBreaching", "ignore" (as written in cake.config).</summary>
    public static string Name(MissingData rule) => rule switch
    {
        MissingData.Breaching => "breaching",
        MissingData.NotBreaching => "notBreaching",
        _ => "ignore",
    };

    /// <summary>These rules with the one named by the cake.config key replaced.</summary>
    public MissingDataRules With(string key, MissingData rule) => key.ToLowerInvariant() switch
    {
        "missingrequests" => this with { Requests = rule },
        "missinglatency" => this with { Latency = rule },
        "missingerrorrate" => this with { ErrorRate = rule },
        "missinglambdaerrors" => this with { LambdaErrors = rule },
        "missinglambdathrottles" => this with { LambdaThrottles = rule },
        "missinglambdaduration" => this with { LambdaDuration = rule },
        "missingcoldstarts" => this with { ColdStarts = rule },
        _ => throw new ArgumentException($"'{key}' is not a missing-data key (known: {string.Join(", ", Keys.Keys)}).", nameof(key)),
    };

    /// <summary>Every rule as written in facts: "requests breaching after 2 samples, latency p95 breaching, …".</summary>
    public string Describe(int noTrafficSamples) => string.Join(", ",
        $"requests {Name(Requests)}{(Requests == MissingData.Breaching ? $" after {noTrafficSamples} sample(s)" : string.Empty)}",
        $"latency p95 {Name(Latency)}",
        $"5XX rate {Name(ErrorRate)}",
        $"Lambda errors {Name(LambdaErrors)}",
        $"Lambda throttles {Name(LambdaThrottles)}",
        $"Lambda duration p95 {Name(LambdaDuration)}",
        $"cold starts {Name(ColdStarts)}");
}
