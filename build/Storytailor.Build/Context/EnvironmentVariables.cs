namespace Storytailor.Build.Context;

/// <summary>
/// The process environment, read once when the build starts: the variables the build reads by name, typed,
/// and the whole set for the services that take one (AWS settings, the deployment trigger).
/// A variable that is unset or blank reads as null.
/// </summary>
public sealed class EnvironmentVariables
{
    public EnvironmentVariables(IEnumerable<KeyValuePair<string, string?>> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var all = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in variables)
        {
            all[name] = value;
        }

        All = all;
    }

    /// <summary>This process's environment (before a build context exists, e.g. for the secret redactor).</summary>
    public static EnvironmentVariables OfProcess() =>
        new(System.Environment.GetEnvironmentVariables()
            .Cast<System.Collections.DictionaryEntry>()
            .Select(e => new KeyValuePair<string, string?>((string)e.Key, (string?)e.Value)));

    /// <summary>Every variable, as it was when the build started.</summary>
    public IReadOnlyDictionary<string, string?> All { get; }

    /// <summary>The value of <paramref name="name"/>, or null when it is unset or blank.</summary>
    public string? Value(string name) => All.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;

    public bool IsSet(string name) => Value(name) is not null;

    /// <summary>True in CI (CI or GITHUB_ACTIONS set): no live status line, plain log lines instead.</summary>
    public bool IsCi => IsSet("CI") || IsSet("GITHUB_ACTIONS");

    /// <summary>The folders searched for executables (k6, ZAP, docker).</summary>
    public string? SearchPath => Value("PATH");

    /// <summary>GitHub's ref of the run (refs/tags/v1.2.3 on a tag push): the release version when --tag is not given.</summary>
    public string? GitHubRef => Value("GITHUB_REF");

    /// <summary>GitHub's commit of the run: a staging version's commit when there is no package manifest.</summary>
    public string? GitHubSha => Value("GITHUB_SHA");

    /// <summary>The Snyk token; SnykScan is skipped without it.</summary>
    public string? SnykToken => Value("SNYK_TOKEN");

    /// <summary>The staging database URL for migrations (supabase db push), trimmed.</summary>
    public string? StagingDatabaseUrl => Value("SUPABASE_DB_URL_STAGING")?.Trim();

    /// <summary>The production database URL for DeployProduction's migrations (supabase db push), trimmed.</summary>
    public string? ProductionDatabaseUrl => Value("SUPABASE_DB_URL_PRODUCTION")?.Trim();

    /// <summary>The API key the smoke and load tests of an environment send.</summary>
    public string? ApiKey(DeploymentEnvironment environment) => Value(LoadOptions.ApiKeySecret(environment));
}
