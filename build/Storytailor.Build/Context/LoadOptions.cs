using Storytailor.Load;

namespace Storytailor.Build.Context;

/// <summary>Settings of the PerformanceBaseline, SmokeTests, SecurityTests and LoadTest targets, read and validated up front.</summary>
public sealed record LoadOptions(
    double BaselineRate,
    TimeSpan BaselineDuration,
    double BaselineP95LimitMs,
    double BaselineRegressionPercent,
    string? PreviousBaseline,
    Uri? BaseUrl,
    Uri? StagingUrl,
    Uri? ProductionUrl,
    TimeSpan SmokeResponseLimit,
    bool RequireZap,
    string? Profile,
    IReadOnlyList<string> ExtraThresholds,
    LoadOverrides Overrides)
{
    /// <summary>--staging-url or --production-url by environment (from the argument, its environment variable or cake.config), or null when none is set.</summary>
    public Uri? UrlFor(DeploymentEnvironment environment) => environment == DeploymentEnvironment.Production ? ProductionUrl : StagingUrl;

    /// <summary>--load-profile when given, else the profile named after the environment.</summary>
    public string ProfileFor(DeploymentEnvironment environment) =>
        Profile ?? (environment == DeploymentEnvironment.Production ? StandardProfiles.Production.Name : StandardProfiles.Staging.Name);

    /// <summary>The secret holding the API key of an environment's deployment.</summary>
    public static string ApiKeySecret(DeploymentEnvironment environment) =>
        environment == DeploymentEnvironment.Production ? "API_KEY_PROD" : "API_KEY_STAGING";

    public static LoadOptions Read(ParameterReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var thresholdText = reader.Read(BuildParameters.LoadThresholds);
        var thresholds = thresholdText.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        try
        {
            Threshold.ParseAll(thresholds);
        }
        catch (LoadConfigurationException ex)
        {
            reader.Fail($"Invalid value for --{BuildParameters.LoadThresholds.Name}: {ex.Message}");
        }

        var duration = reader.Read(BuildParameters.LoadDuration);
        var rate = reader.Read(BuildParameters.LoadRate);
        var users = reader.Read(BuildParameters.LoadVus);
        var profile = reader.Read(BuildParameters.LoadProfile).Trim();
        var previous = reader.Read(BuildParameters.PreviousBaseline).Trim();
        var baseUrl = reader.Read(BuildParameters.BaseUrl).Trim();
        return new LoadOptions(
            reader.Read(BuildParameters.BaselineRate),
            TimeSpan.FromSeconds(reader.Read(BuildParameters.BaselineDuration)),
            reader.Read(BuildParameters.BaselineP95Limit),
            reader.Read(BuildParameters.BaselineRegressionPercent),
            previous.Length == 0 ? null : previous,
            baseUrl.Length == 0 ? null : new Uri(baseUrl),
            UrlOrDefault(reader, BuildParameters.StagingUrl),
            UrlOrDefault(reader, BuildParameters.ProductionUrl),
            TimeSpan.FromMilliseconds(reader.Read(BuildParameters.SmokeResponseLimit)),
            reader.Read(BuildParameters.RequireZap),
            profile.Length == 0 ? null : profile,
            thresholds,
            new LoadOverrides(
                Duration: duration > 0 ? TimeSpan.FromSeconds(duration) : null,
                Rate: rate > 0 ? rate : null,
                VirtualUsers: users > 0 ? users : null));
    }

    private static Uri? UrlOrDefault(ParameterReader reader, Parameter<string> parameter)
    {
        var value = reader.Read(parameter).Trim();
        return value.Length == 0 ? null : new Uri(value);
    }
}
