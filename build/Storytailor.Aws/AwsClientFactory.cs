using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using Amazon.S3;
using Storytailor.Core;

namespace Storytailor.Aws;

/// <summary>
/// Builds the AWS ports from <see cref="AwsSettings"/>: credentials from the SDK's default chain
/// (or the named profile), region from the settings or the SDK's region settings, endpoint overrides.
/// </summary>
public sealed class AwsClientFactory : IDisposable
{
    private readonly AwsSettings _settings;
    private readonly IBuildLog _log;
    private readonly HttpClient _http;
    private readonly Lazy<AWSCredentials> _credentials;
    private readonly List<IDisposable> _owned = [];

    public AwsClientFactory(AwsSettings settings, IBuildLog log)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _log = log;
        Region = settings.Region ?? FallbackRegionFactory.GetRegionEndpoint()?.SystemName
            ?? throw new InvalidOperationException("No AWS region: set the build's aws-region parameter, AWS_REGION or AWS_DEFAULT_REGION, or a region in the AWS profile.");
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
        _credentials = new Lazy<AWSCredentials>(ResolveCredentials);
    }

    /// <summary>The region in use (resolved once).</summary>
    public string Region { get; }

    /// <summary>Every IAM action the clients call, by service operation (e.g. "route53:GetChange").</summary>
    public static IReadOnlyDictionary<string, string> AllOperations { get; } =
        S3ArtifactStore.Operations.Select(p => KeyValuePair.Create("s3:" + p.Key, p.Value))
            .Concat(Route53DnsRouter.Operations.Select(p => KeyValuePair.Create("route53:" + p.Key, p.Value)))
            .Concat(LambdaFunctionRegistry.Operations.Select(p => KeyValuePair.Create("lambda:" + p.Key, p.Value)))
            .Concat(CloudWatchMetricsReader.Operations.Select(p => KeyValuePair.Create("monitoring:" + p.Key, p.Value)))
            .Concat(CloudWatchLogsInsights.Operations.Select(p => KeyValuePair.Create("logs:" + p.Key, p.Value)))
            .ToDictionary(p => p.Key, p => p.Value);

    public IArtifactStore ArtifactStore(string bucket)
    {
        var config = new AmazonS3Config
        {
            RegionEndpoint = RegionEndpoint.GetBySystemName(Region),
            MaxErrorRetry = 0, // retries are ours (the same policy as the other clients)
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            IgnoreConfiguredEndpointUrls = true,
            Timeout = _settings.RequestTimeout,
        };
        if (_settings.EndpointFor(AwsService.S3) is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.ForcePathStyle = true;
            config.AuthenticationRegion = Region;
        }

        var client = new AmazonS3Client(_credentials.Value, config);
        _owned.Add(client);
        return new S3ArtifactStore(client, bucket, _settings, _log);
    }

    public IDnsRouter DnsRouter() =>
        new Route53DnsRouter(Sender(AwsService.Route53, "route53", "route53", "us-east-1", new Uri("https://route53.amazonaws.com"), Route53DnsRouter.ReadError), _log);

    public IFunctionRegistry FunctionRegistry() =>
        new LambdaFunctionRegistry(Sender(AwsService.Lambda, "lambda", "lambda", Region, new Uri($"https://lambda.{Region}.amazonaws.com"), LambdaFunctionRegistry.ReadError), _log);

    public IMetricsReader MetricsReader() =>
        new CloudWatchMetricsReader(Sender(AwsService.CloudWatch, "cloudwatch", "monitoring", Region, new Uri($"https://monitoring.{Region}.amazonaws.com"), CloudWatchMetricsReader.ReadError), _log);

    public ILogsInsights LogsInsights() =>
        new CloudWatchLogsInsights(Sender(AwsService.Logs, "logs", "logs", Region, new Uri($"https://logs.{Region}.amazonaws.com"), CloudWatchLogsInsights.ReadError), _log);

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _http.Dispose();
    }

    private AwsRequestSender Sender(AwsService service, string name, string signingName, string signingRegion, Uri defaultUri, AwsErrorReader errors)
    {
        var uri = _settings.EndpointFor(service) ?? defaultUri;
        return new AwsRequestSender(_http, _credentials.Value, new AwsServiceEndpoint(name, signingName, signingRegion, uri), errors, _settings, _log);
    }

    private AWSCredentials ResolveCredentials()
    {
        if (_settings.Profile is { } profile)
        {
            if (new CredentialProfileStoreChain().TryGetAWSCredentials(profile, out var fromProfile))
            {
                _log.Verbose($"aws: credentials from profile '{profile}'");
                return fromProfile;
            }

            throw new InvalidOperationException($"The AWS profile '{profile}' was not found in the shared config or credentials files.");
        }

        try
        {
            var credentials = DefaultAWSCredentialsIdentityResolver.GetCredentials();
            _log.Verbose($"aws: credentials from the default chain ({credentials.GetType().Name})");
            return credentials;
        }
        catch (AmazonClientException ex)
        {
            throw new InvalidOperationException($"No AWS credentials: {ex.Message} (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, or AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN).", ex);
        }
    }
}
