using static Storytailor.Build.Context.ParameterParsers;

namespace Storytailor.Build.Context;

/// <summary>Parameters of the performance baseline, smoke, security and load-test targets.</summary>
public static partial class BuildParameters
{
    public static readonly Parameter<double> BaselineRate = new(
        "baseline-rate", "PerformanceBaseline: requests per second of the open-model run against the local services", 50, Number(0.1, 100_000), "req/s");

    public static readonly Parameter<double> BaselineDuration = new(
        "baseline-duration", "PerformanceBaseline: measured seconds (after a 2 s warm-up)", 10, Number(1, 3600), "seconds");

    public static readonly Parameter<double> BaselineP95Limit = new(
        "baseline-p95-limit", "PerformanceBaseline: the gate, p95 must stay below this many milliseconds (errors must stay below 1%)", 800, Number(1, 600_000), "ms");

    public static readonly Parameter<double> BaselineRegressionPercent = new(
        "baseline-regression-percent", "PerformanceBaseline: warn when p95 grew by more than this against --previous-baseline", 20, Number(0, 10_000), "percent");

    public static readonly Parameter<string> PreviousBaseline = new(
        "previous-baseline", "PerformanceBaseline: an earlier artifacts/performance/baseline.json to compare p95 with", string.Empty, Text, "path", "(none)");

    public static readonly Parameter<string> BaseUrl = new(
        "base-url", "SmokeTests, SecurityTests, LoadTest: the deployment to test (default: --staging-url or --production-url by --environment)", string.Empty, AbsoluteHttpUrl, "url", "(by environment)");

    public static readonly Parameter<string> StagingUrl = new(
        "staging-url", "Public API URL of the staging environment (default: storytailor.yml deploy.urls.staging, else https://<Deploy.Staging Domain>)", string.Empty, AbsoluteHttpUrl, "url", "(declared)");

    public static readonly Parameter<string> ProductionUrl = new(
        "production-url", "Public API URL of the production environment (default: storytailor.yml deploy.urls.production, else https://<Deploy.Production Domain>)", string.Empty, AbsoluteHttpUrl, "url", "(declared)");

    public static readonly Parameter<double> SmokeResponseLimit = new(
        "smoke-response-limit", "SmokeTests: each check's response must arrive within this many milliseconds", 800, Number(1, 600_000), "ms");

    public static readonly Parameter<bool> RequireZap = new(
        "require-zap", "SecurityTests: fail when OWASP ZAP is not available (otherwise its scan is reported as skipped)", false, Flag, "bool");

    public static readonly Parameter<string> LoadProfile = new(
        "load-profile", "LoadTest: profile of testing/load/scenarios.yml: staging, production, baseline (or one the file defines)", string.Empty, Text, "name", "(by environment)");

    public static readonly Parameter<string> LoadThresholds = new(
        "load-thresholds", "LoadTest: extra k6 thresholds, ';'-separated, e.g. \"http_req_duration: p(99)<1500\"", string.Empty, Text, "thresholds", "(none)");

    public static readonly Parameter<double> LoadDuration = new(
        "load-duration", "LoadTest: measured seconds, replacing the profile's (0: the profile's)", 0, Number(0, 86_400), "seconds", "(profile's)");

    public static readonly Parameter<double> LoadRate = new(
        "load-rate", "LoadTest: requests per second of an open-model profile, replacing the profile's (0: the profile's)", 0, Number(0, 1_000_000), "req/s", "(profile's)");

    public static readonly Parameter<int> LoadVus = new(
        "load-vus", "LoadTest: virtual users of a closed-model profile, replacing the profile's (0: the profile's)", 0, Integer(0, 100_000), "count", "(profile's)");

    private static string AbsoluteHttpUrl(string raw) =>
        raw.Length == 0 || (Uri.TryCreate(raw, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            ? raw
            : throw new FormatException($"'{raw}' is not an absolute http(s) URL, e.g. https://staging-api.example.org.");
}
