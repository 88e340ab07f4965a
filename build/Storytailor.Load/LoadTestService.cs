using Storytailor.Core;

namespace Storytailor.Load;

/// <summary>Settings of a load-test stage (staging load test, production green test).</summary>
public sealed record LoadTestSettings(string AppRoot, string Profile, Uri BaseUrl)
{
    /// <summary>Scenario file, relative to the app root.</summary>
    public string ScenarioFile { get; init; } = Load.ScenarioFile.DefaultRelativePath;

    /// <summary>Duration, rate, virtual users … replacing the profile's values.</summary>
    public LoadOverrides Overrides { get; init; } = new();

    /// <summary>Extra thresholds (<c>metric: expression</c>) added to the profile's.</summary>
    public IReadOnlyList<string> ExtraThresholds { get; init; } = [];

    /// <summary>Full path of k6 when it was found on PATH; null runs the built-in engine.</summary>
    public string? K6Executable { get; init; }

    /// <summary>Resolves <c>${NAME}</c> secret references in scenario headers (API_KEY is also passed to k6).</summary>
    public Func<string, string?> SecretLookup { get; init; } = _ => null;

    public IProgress<LoadProgress>? Progress { get; init; }

    /// <summary>Where the JSON summary goes, relative to the artifacts folder.</summary>
    public string SummaryArtifact => $"load/{Profile}.json";
}

/// <summary>Runs a load-test profile with k6 when available (and the app has the script), else with the built-in engine.</summary>
public sealed class LoadTestService(IBuildLog log, CommandRunner runner, ArtifactWriter artifacts, SecretRedactor redactor)
{
    public async Task<LoadTestResult> RunAsync(LoadTestSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var scenario = ScenarioFile.Load(Path.Combine(settings.AppRoot, settings.ScenarioFile));
        var profile = Resolve(scenario, settings.Profile, settings.Overrides, settings.ExtraThresholds);
        var baseUrl = settings.BaseUrl.AbsoluteUri.EndsWith('/') ? settings.BaseUrl : new Uri(settings.BaseUrl.AbsoluteUri + "/");

        LoadTestResult result;
        var script = settings.K6Executable is null ? null : K6Runner.FindScript(settings.AppRoot, profile.Name, settings.ScenarioFile);
        if (settings.K6Executable is not null && script is not null)
        {
            var apiKey = settings.SecretLookup("API_KEY");
            redactor.Register(apiKey);
            var run = new K6Run(settings.K6Executable, script, baseUrl, profile, settings.AppRoot, artifacts.PathOf($"load/{profile.Name}.k6-summary.json")) { ApiKey = apiKey };
            result = await new K6Runner(runner, log).RunAsync(run, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            if (settings.K6Executable is not null)
            {
                log.Information($"k6 is installed but the app has no {Path.Combine(Path.GetDirectoryName(settings.ScenarioFile) ?? string.Empty, profile.Name + ".js")}; using the built-in engine.");
            }

            var run = new LoadRun(baseUrl, profile, scenario.Requests) { SecretLookup = settings.SecretLookup };
            result = await new LoadEngine(log, redactor).RunAsync(run, settings.Progress, cancellationToken).ConfigureAwait(false);
        }

        result.WriteSummary(artifacts, settings.SummaryArtifact);
        return result;
    }

    /// <summary>
    /// The profile a run would use, without running it: the app's scenario file, the named profile, the overrides
    /// and the extra thresholds, validated. Throws <see cref="LoadConfigurationException"/> as a run would.
    /// </summary>
    public static LoadProfile ResolveProfile(string appRoot, string profile, LoadOverrides overrides, IReadOnlyList<string> extraThresholds, string scenarioFile = Load.ScenarioFile.DefaultRelativePath) =>
        Resolve(Load.ScenarioFile.Load(Path.Combine(appRoot, scenarioFile)), profile, overrides, extraThresholds);

    private static LoadProfile Resolve(Scenario scenario, string name, LoadOverrides overrides, IReadOnlyList<string> extraThresholds)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var profile = overrides.ApplyTo(scenario.Profile(name));
        profile = profile with { Thresholds = [.. profile.Thresholds, .. Threshold.ParseAll(extraThresholds)] };
        profile.Validate();
        return profile;
    }
}
