using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Storytailor.Core;

namespace Storytailor.Load;

/// <summary>Settings of the Ci stage PerformanceBaseline.</summary>
public sealed record PerformanceBaselineSettings(string AppRoot)
{
    /// <summary>Service started locally, relative to the app root.</summary>
    public string ServiceEntry { get; init; } = "packages/router/dist/server.js";

    public string NodeExecutable { get; init; } = "node";

    /// <summary>Requests per second of the open-model run.</summary>
    public double Rate { get; init; } = 50;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(2);

    public int MaxInFlight { get; init; } = 200;

    public double P95LimitMs { get; init; } = 800;

    /// <summary>Highest acceptable error rate (fraction).</summary>
    public double ErrorRateLimit { get; init; } = 0.01;

    /// <summary>Warn when p95 grew by more than this many percent against the previous baseline.</summary>
    public double RegressionWarningPercent { get; init; } = 20;

    /// <summary>A previous baseline.json to compare with (optional).</summary>
    public string? PreviousBaselinePath { get; init; }

    /// <summary>Scenario file relative to the app root; when absent, only GET /health is measured.</summary>
    public string ScenarioFile { get; init; } = Load.ScenarioFile.DefaultRelativePath;

    /// <summary>API key the local service accepts; null generates a random one for this run.</summary>
    public string? ApiKey { get; init; }

    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public string BaselineArtifact { get; init; } = "performance/baseline.json";

    public IProgress<LoadProgress>? Progress { get; init; }
}

public sealed record PerformanceBaselineResult(bool Passed, LoadTestResult? Load, IReadOnlyList<string> Failures, IReadOnlyList<string> Warnings)
{
    public double? PreviousP95Ms { get; init; }

    /// <summary>Change of p95 against the previous baseline, in percent (positive = slower).</summary>
    public double? P95ChangePercent { get; init; }

    public string? BaselinePath { get; init; }
}

/// <summary>Ci stage: start the app locally, measure a short open-model run, gate on p95 and errors, keep the baseline.</summary>
public sealed class PerformanceBaselineService(IBuildLog log, ArtifactWriter artifacts, SecretRedactor redactor)
{
    public async Task<PerformanceBaselineResult> RunAsync(PerformanceBaselineSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var entry = Path.Combine(settings.AppRoot, settings.ServiceEntry);
        if (!File.Exists(entry))
        {
            return Fail($"The app is not built: {entry} does not exist. Run the build/compile stage first (npm ci && npm run build).");
        }

        var scenarioPath = Path.Combine(settings.AppRoot, settings.ScenarioFile);
        IReadOnlyList<ScenarioRequest> requests = File.Exists(scenarioPath)
            ? ScenarioFile.Load(scenarioPath).Requests
            : [new ScenarioRequest("health", "GET", "/health")];
        var apiKey = settings.ApiKey ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        redactor.Register(apiKey);
        var profile = StandardProfiles.Baseline with
        {
            Rate = settings.Rate,
            Duration = settings.Duration,
            WarmUp = settings.WarmUp,
            MaxInFlight = settings.MaxInFlight,
            Thresholds =
            [
                Threshold.Parse(LoadMetrics.Duration, string.Create(CultureInfo.InvariantCulture, $"p(95)<{settings.P95LimitMs}")),
                Threshold.Parse(LoadMetrics.Failed, string.Create(CultureInfo.InvariantCulture, $"rate<{settings.ErrorRateLimit}")),
            ],
        };
        var burst = (int)Math.Ceiling(settings.Rate * 10) + 1000;
        var environment = new Dictionary<string, string>
        {
            ["API_KEY"] = apiKey,
            ["RATE_LIMIT_PER_SECOND"] = burst.ToString(CultureInfo.InvariantCulture),
            ["RATE_LIMIT_BURST"] = burst.ToString(CultureInfo.InvariantCulture),
            ["NODE_ENV"] = "production",
        };

        LoadTestResult load;
        try
        {
            await using var server = await LocalAppServer.StartAsync(settings.NodeExecutable, settings.AppRoot, settings.ServiceEntry, environment, settings.StartupTimeout, log, redactor, cancellationToken).ConfigureAwait(false);
            var run = new LoadRun(server.BaseUrl, profile, requests) { SecretLookup = name => name == "API_KEY" ? apiKey : null };
            load = await new LoadEngine(log, redactor).RunAsync(run, settings.Progress, cancellationToken).ConfigureAwait(false);
        }
        catch (LocalAppServerException ex)
        {
            return Fail($"Performance baseline could not run: {ex.Message}");
        }

        var path = load.WriteSummary(artifacts, settings.BaselineArtifact);
        var failures = load.Failures.ToList();
        var warnings = new List<string>();
        double? previous = null;
        double? change = null;
        if (settings.PreviousBaselinePath is { } previousPath)
        {
            previous = ReadP95(previousPath, warnings);
            if (previous is > 0 && load.Latency is { } latency)
            {
                change = (latency.P95Ms - previous.Value) / previous.Value * 100;
                if (change > settings.RegressionWarningPercent)
                {
                    warnings.Add(string.Create(CultureInfo.InvariantCulture, $"p95 regressed by {change:0.#}% against the previous baseline ({previous:0.0} ms -> {latency.P95Ms:0.0} ms; warning above {settings.RegressionWarningPercent:0.#}%)."));
                }
            }
        }

        foreach (var warning in warnings)
        {
            log.Warning(warning);
        }

        return new PerformanceBaselineResult(load.Passed, load, failures, warnings) { PreviousP95Ms = previous, P95ChangePercent = change, BaselinePath = path };

        PerformanceBaselineResult Fail(string message)
        {
            log.Error(message);
            return new PerformanceBaselineResult(false, null, [message], []);
        }
    }

    private static double? ReadP95(string path, List<string> warnings)
    {
        if (!File.Exists(path))
        {
            warnings.Add($"Previous baseline {path} does not exist; no comparison made.");
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            if (document.RootElement.TryGetProperty("latency", out var latency) && latency.ValueKind == JsonValueKind.Object && latency.TryGetProperty("p95Ms", out var p95))
            {
                return p95.GetDouble();
            }

            warnings.Add($"Previous baseline {path} has no latency.p95Ms; no comparison made.");
            return null;
        }
        catch (JsonException ex)
        {
            warnings.Add($"Previous baseline {path} is not valid JSON ({ex.Message}); no comparison made.");
            return null;
        }
    }
}
