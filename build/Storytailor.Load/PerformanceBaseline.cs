using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Storytailor.Core;

namespace Storytailor.Load;

/// <summary>Settings of the Ci stage PerformanceBaseline.</summary>
public sealed record PerformanceBaselineSettings(string AppRoot)
{
    /// <summary>
    /// The services started locally (the app's description declares them). The scenario's requests go to the
    /// service whose routes match; each service also gets every service's URL as <c>&lt;NAME&gt;_URL</c>.
    /// </summary>
    public IReadOnlyList<LocalServiceStart> Services { get; init; } = [];

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
        if (settings.Services.Count == 0)
        {
            return Fail("Performance baseline could not run: no service declares a local start (services[].start in the app's description file).");
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

        var services = settings.Services.Select(service => service.Port > 0 ? service : service with { Port = LocalAppServer.FreePort() }).ToList();
        foreach (var service in services)
        {
            environment[UrlVariable(service.Name)] = $"http://127.0.0.1:{service.Port.ToString(CultureInfo.InvariantCulture)}";
        }

        LoadTestResult load;
        var servers = new List<LocalAppServer>();
        try
        {
            foreach (var service in services)
            {
                servers.Add(await LocalAppServer.StartAsync(service, settings.AppRoot, environment, settings.StartupTimeout, log, redactor, cancellationToken).ConfigureAwait(false));
            }

            var fallback = services.FindIndex(s => s.Routes.Count == 0);
            var routes = services.SelectMany((service, i) => service.Routes.Select(prefix => KeyValuePair.Create(prefix, servers[i].BaseUrl))).ToList();
            var run = new LoadRun(servers[fallback < 0 ? 0 : fallback].BaseUrl, profile, requests) { SecretLookup = name => name == "API_KEY" ? apiKey : null, Routes = routes };
            load = await new LoadEngine(log, redactor).RunAsync(run, settings.Progress, cancellationToken).ConfigureAwait(false);
        }
        catch (LocalAppServerException ex)
        {
            return Fail($"Performance baseline could not run: {ex.Message}");
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
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

    /// <summary>"catalog-api" → CATALOG_API_URL.</summary>
    public static string UrlVariable(string serviceName)
    {
        ArgumentNullException.ThrowIfNull(serviceName);
        return string.Concat(serviceName.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_')) + "_URL";
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
