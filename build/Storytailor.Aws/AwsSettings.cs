namespace Storytailor.Aws;

/// <summary>The AWS services the build talks to.</summary>
public enum AwsService
{
    S3,
    Route53,
    Lambda,
    CloudWatch,
    Logs,
    Sts,
}

/// <summary>
/// How the build reaches AWS. Credentials always come from the SDK's default chain (environment,
/// profile, web identity token file, container, instance); these settings only choose the region,
/// an optional profile, endpoint overrides and the retry budget.
/// </summary>
public sealed record AwsSettings
{
    /// <summary>AWS region (e.g. eu-west-1). Null: the SDK's region settings (AWS_REGION, AWS_DEFAULT_REGION, profile).</summary>
    public string? Region { get; init; }

    /// <summary>Named profile from the shared config files. Null: the default chain.</summary>
    public string? Profile { get; init; }

    /// <summary>Endpoint used for every service without its own override (AWS_ENDPOINT_URL).</summary>
    public Uri? EndpointUrl { get; init; }

    /// <summary>Per-service endpoints (AWS_ENDPOINT_URL_S3, _ROUTE_53, _LAMBDA, _CLOUDWATCH, _CLOUDWATCH_LOGS, _STS).</summary>
    public IReadOnlyDictionary<AwsService, Uri> ServiceEndpoints { get; init; } = new Dictionary<AwsService, Uri>();

    /// <summary>Attempts per call, the first included, on throttling, 5xx and network errors.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>First retry delay; doubles each attempt, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest single retry delay.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Time limit of one HTTP attempt.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Names of the environment variables that override one service's endpoint.</summary>
    public static IReadOnlyDictionary<AwsService, string> EndpointVariables { get; } = new Dictionary<AwsService, string>
    {
        [AwsService.S3] = "AWS_ENDPOINT_URL_S3",
        [AwsService.Route53] = "AWS_ENDPOINT_URL_ROUTE_53",
        [AwsService.Lambda] = "AWS_ENDPOINT_URL_LAMBDA",
        [AwsService.CloudWatch] = "AWS_ENDPOINT_URL_CLOUDWATCH",
        [AwsService.Logs] = "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
        [AwsService.Sts] = "AWS_ENDPOINT_URL_STS",
    };

    /// <summary>
    /// Settings from an environment the caller passes in (the build's process environment, usually):
    /// AWS_REGION / AWS_DEFAULT_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_&lt;SERVICE&gt; and
    /// AWS_MAX_ATTEMPTS (attempts per request, the first included, 1-20; default 5).
    /// </summary>
    public static AwsSettings FromEnvironment(IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? Read(string name) => environment.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

        var endpoints = new Dictionary<AwsService, Uri>();
        foreach (var (service, variable) in EndpointVariables)
        {
            if (Read(variable) is { } url)
            {
                endpoints[service] = ParseEndpoint(variable, url);
            }
        }

        return new AwsSettings
        {
            Region = Read("AWS_REGION") ?? Read("AWS_DEFAULT_REGION"),
            Profile = Read("AWS_PROFILE"),
            EndpointUrl = Read("AWS_ENDPOINT_URL") is { } general ? ParseEndpoint("AWS_ENDPOINT_URL", general) : null,
            ServiceEndpoints = endpoints,
            MaxAttempts = Read("AWS_MAX_ATTEMPTS") is { } attempts ? ParseAttempts(attempts) : 5,
        };
    }

    /// <summary>The endpoint override for a service, or null for the AWS default.</summary>
    public Uri? EndpointFor(AwsService service) =>
        ServiceEndpoints.TryGetValue(service, out var specific) ? specific : EndpointUrl;

    private static int ParseAttempts(string value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var attempts) && attempts is >= 1 and <= 20
            ? attempts
            : throw new ArgumentException($"AWS_MAX_ATTEMPTS must be a whole number from 1 to 20, got '{value}'.");

    private static Uri ParseEndpoint(string variable, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new ArgumentException($"{variable} must be an absolute http(s) URL, got '{value}'.");
}
