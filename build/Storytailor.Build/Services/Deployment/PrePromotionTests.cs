using System.Globalization;
using Storytailor.Core;
using Storytailor.Load;

namespace Storytailor.Build.Services.Deployment;

/// <summary>What the pre-promotion tests need besides the URL: the app (scenarios), the load profile and its overrides, secrets, ZAP.</summary>
public sealed record PrePromotionSettings(string AppRoot, string LoadProfile)
{
    public LoadOverrides LoadOverrides { get; init; } = new();

    public IReadOnlyList<string> ExtraThresholds { get; init; } = [];

    public string? ApiKey { get; init; }

    public TimeSpan SmokeResponseLimit { get; init; } = TimeSpan.FromMilliseconds(800);

    public ZapInvocation? Zap { get; init; }

    public bool RequireZap { get; init; }

    public string ZapWorkDirectory { get; init; } = Path.GetTempPath();

    public string? K6Executable { get; init; }

    /// <summary>The app's load scenarios, relative to its root.</summary>
    public string ScenarioFile { get; init; } = Storytailor.Load.ScenarioFile.DefaultRelativePath;

    /// <summary>What the smoke suite and the security probes check (the app's description).</summary>
    public ServiceChecks Checks { get; init; } = ServiceChecks.Default;
}

/// <summary>The outcome of the pre-promotion tests: pass/fail, the facts each suite decided on, the failures.</summary>
public sealed record PrePromotionResult(bool Passed, IReadOnlyList<string> Facts, IReadOnlyList<string> Failures);

/// <summary>
/// Smoke suite, load test and security probes against one colour's own endpoint, in that order; the first
/// failing suite stops the run (a colour that fails its smoke checks is not load tested).
/// </summary>
public sealed class PrePromotionTests(IBuildLog log, CommandRunner runner, ArtifactWriter artifacts, SecretRedactor redactor)
{
    public async Task<PrePromotionResult> RunAsync(Uri endpoint, PrePromotionSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(settings);
        var facts = new List<string>();

        var smoke = await SmokeAsync(endpoint, settings, cancellationToken).ConfigureAwait(false);
        smoke.WriteJson(artifacts, "deploy/smoke-pre-promotion.json");
        facts.Add($"smoke against {endpoint}: {smoke.Checks.Count(c => c.Passed)}/{smoke.Checks.Count} checks passed");
        if (!smoke.Passed)
        {
            return new PrePromotionResult(false, facts, smoke.Failures);
        }

        var load = await LoadAsync(endpoint, settings, cancellationToken).ConfigureAwait(false);
        facts.AddRange(load.Facts);
        if (!load.Passed)
        {
            return new PrePromotionResult(false, facts, load.Failures);
        }

        var security = await SecurityAsync(endpoint, settings, cancellationToken).ConfigureAwait(false);
        facts.AddRange(security.Facts);
        return new PrePromotionResult(security.Passed, facts, security.Failures);
    }

    /// <summary>The load test alone (the settings' profile and overrides); "could not run" is a failure.</summary>
    public async Task<PrePromotionResult> LoadAsync(Uri endpoint, PrePromotionSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(settings);
        LoadTestResult load;
        try
        {
            load = await new LoadTestService(log, runner, artifacts, redactor).RunAsync(new LoadTestSettings(settings.AppRoot, settings.LoadProfile, endpoint)
            {
                ScenarioFile = settings.ScenarioFile,
                Overrides = settings.LoadOverrides,
                ExtraThresholds = settings.ExtraThresholds,
                K6Executable = settings.K6Executable,
                SecretLookup = name => name == "API_KEY" ? settings.ApiKey : null,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (LoadConfigurationException ex)
        {
            return new PrePromotionResult(false, [], [$"Load test could not run: {ex.Message}"]);
        }

        IReadOnlyList<string> facts =
        [
            $"load '{settings.LoadProfile}': {load.Requests} requests, p95 {Ms(load.Latency?.P95Ms)} ms, {load.Failed} failed, {load.Dropped} dropped; "
            + string.Join("; ", load.Thresholds.Select(t => $"{t.Describe()} {(t.Passed ? "ok" : "FAILED")}")),
        ];
        return new PrePromotionResult(load.Passed, facts, load.Passed ? [] : load.Failures);
    }

    /// <summary>The security probes (and ZAP when available) alone.</summary>
    public async Task<PrePromotionResult> SecurityAsync(Uri endpoint, PrePromotionSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(settings);
        var security = await new SecurityProbes(log, runner).RunAsync(new SecuritySettings(endpoint)
        {
            HeadersPath = settings.Checks.HealthPaths[0],
            ProtectedRoutes = settings.Checks.ProtectedRoutes,
            Zap = settings.Zap,
            RequireZap = settings.RequireZap,
            ZapWorkDirectory = settings.ZapWorkDirectory,
        }, cancellationToken).ConfigureAwait(false);
        security.WriteJson(artifacts, "deploy/security-pre-promotion.json");
        IReadOnlyList<string> facts = [$"security: {security.Probes.Count(p => p.Passed)}/{security.Probes.Count} probes passed, ZAP {security.Zap.Status}"];
        return new PrePromotionResult(security.Passed, facts, security.Passed ? [] : security.Failures);
    }

    /// <summary>The smoke suite alone (also the full check of the public URL after the switch, and the rollback's check).</summary>
    public Task<SmokeResult> SmokeAsync(Uri endpoint, PrePromotionSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new SmokeSuite(log).RunAsync(new SmokeSettings(endpoint) { ApiKey = settings.ApiKey, ResponseTimeLimit = settings.SmokeResponseLimit, Checks = settings.Checks }, cancellationToken);
    }

    /// <summary>The light probe of a live URL (the declared health paths and read route), each monitoring sample's.</summary>
    public Task<SmokeResult> ProbeAsync(Uri endpoint, PrePromotionSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new SmokeSuite(log).ProbeAsync(new SmokeSettings(endpoint) { ApiKey = settings.ApiKey, ResponseTimeLimit = settings.SmokeResponseLimit, Checks = settings.Checks }, cancellationToken);
    }

    /// <summary>
    /// The load test a run would make, without running it: the resolved profile (scenario file, overrides) and its
    /// thresholds, or why it could not run.
    /// </summary>
    public static string DescribeLoad(PrePromotionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        try
        {
            var profile = LoadTestService.ResolveProfile(settings.AppRoot, settings.LoadProfile, settings.LoadOverrides, settings.ExtraThresholds, settings.ScenarioFile);
            return $"{profile.Describe()}; thresholds {string.Join(", ", profile.Thresholds)}";
        }
        catch (LoadConfigurationException ex)
        {
            return $"profile '{settings.LoadProfile}' could not be read ({ex.Message}); a real run would fail the load test";
        }
    }

    private static string Ms(double? value) => value?.ToString("0", CultureInfo.InvariantCulture) ?? "-";
}
