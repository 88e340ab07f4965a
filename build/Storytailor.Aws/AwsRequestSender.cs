using System.Globalization;
using System.Net;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Identity;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Polly;
using Polly.Retry;
using Storytailor.Core;

namespace Storytailor.Aws;

/// <summary>One HTTP call to an AWS API, before signing.</summary>
internal sealed record AwsRequest(string Operation, HttpMethod Method, string Path)
{
    public IReadOnlyList<KeyValuePair<string, string>> Query { get; init; } = [];

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public byte[]? Body { get; init; }

    public string? ContentType { get; init; }

    /// <summary>What the log shows about the call (resource names, never secrets).</summary>
    public string Resource { get; init; } = string.Empty;
}

/// <summary>The HTTP answer to an AWS call.</summary>
internal sealed record AwsResponse(HttpStatusCode StatusCode, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public bool IsSuccess => (int)StatusCode is >= 200 and < 300;
}

/// <summary>How one AWS protocol spells its errors.</summary>
internal delegate AwsServiceException AwsErrorReader(string operation, AwsResponse response);

/// <summary>The AWS service identity used for endpoints and signing.</summary>
internal sealed record AwsServiceEndpoint(string ServiceName, string SigningName, string SigningRegion, Uri BaseUri);

/// <summary>
/// Sends SigV4-signed requests (the SDK's <see cref="AWS4Signer"/> and credentials) over HttpClient,
/// retrying throttling, 5xx and network errors with exponential backoff.
/// </summary>
internal sealed class AwsRequestSender
{
    private readonly HttpClient _http;
    private readonly AWSCredentials _credentials;
    private readonly AwsServiceEndpoint _endpoint;
    private readonly AwsErrorReader _errors;
    private readonly IBuildLog _log;
    private readonly ResiliencePipeline _retry;
    private readonly AWS4Signer _signer = new(signPayload: true);
    private readonly IClientConfig _signingConfig;

    public AwsRequestSender(HttpClient http, AWSCredentials credentials, AwsServiceEndpoint endpoint, AwsErrorReader errors, AwsSettings settings, IBuildLog log)
    {
        _http = http;
        _credentials = credentials;
        _endpoint = endpoint;
        _errors = errors;
        _log = log;
        _signingConfig = new Amazon.SecurityToken.AmazonSecurityTokenServiceConfig
        {
            AuthenticationRegion = endpoint.SigningRegion,
            AuthenticationServiceName = endpoint.SigningName,
            ServiceURL = endpoint.BaseUri.ToString(),
        };
        _retry = BuildRetry(settings, log, endpoint.ServiceName);
        RequestTimeout = settings.RequestTimeout;
    }

    public TimeSpan RequestTimeout { get; }

    public AwsServiceEndpoint Endpoint => _endpoint;

    internal static ResiliencePipeline BuildRetry(AwsSettings settings, IBuildLog log, string service) =>
        settings.MaxAttempts <= 1
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder()
                .AddRetry(new RetryStrategyOptions
                {
                    MaxRetryAttempts = settings.MaxAttempts - 1,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = settings.RetryBaseDelay,
                    MaxDelay = settings.RetryMaxDelay,
                    ShouldHandle = new PredicateBuilder()
                        .Handle<AwsServiceException>(e => e.IsRetryable)
                        .Handle<HttpRequestException>()
                        .Handle<TimeoutException>(),
                    OnRetry = args =>
                    {
                        var reason = args.Outcome.Exception is AwsServiceException aws ? aws.ErrorCode : args.Outcome.Exception?.GetType().Name;
                        log.Warning($"{service}: attempt {args.AttemptNumber + 1} failed ({reason}); retrying in {args.RetryDelay.TotalMilliseconds:0} ms");
                        return ValueTask.CompletedTask;
                    },
                })
                .Build();

    /// <summary>Sends the request; throws <see cref="AwsServiceException"/> for any non-2xx answer left after retries.</summary>
    public async Task<AwsResponse> SendAsync(AwsRequest request, CancellationToken cancellationToken)
    {
        _log.Verbose($"{_endpoint.ServiceName} {request.Operation} {request.Resource}".TrimEnd());
        try
        {
            var response = await _retry.ExecuteAsync(
                async token =>
                {
                    var answer = await SendOnceAsync(request, token).ConfigureAwait(false);
                    return answer.IsSuccess ? answer : throw _errors(request.Operation, answer);
                },
                cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch (HttpRequestException ex)
        {
            throw new AwsServiceException(_endpoint.ServiceName, request.Operation, "NetworkError", $"could not reach {_endpoint.BaseUri.GetLeftPart(UriPartial.Authority)}: {ex.Message}", null, null, ex);
        }
        catch (TimeoutException ex)
        {
            throw new AwsServiceException(_endpoint.ServiceName, request.Operation, "RequestTimeout", $"no answer within {RequestTimeout.TotalSeconds:0} s", null, null, ex);
        }
    }

    /// <summary>Sends the request once and returns the answer whatever its status.</summary>
    public async Task<AwsResponse> SendOnceAsync(AwsRequest request, CancellationToken cancellationToken)
    {
        using var message = await SignAsync(request, cancellationToken).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var header in response.Headers.Concat(response.Content.Headers))
            {
                headers[header.Key] = string.Join(",", header.Value);
            }

            return new AwsResponse(response.StatusCode, headers, body);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{_endpoint.ServiceName} {request.Operation} did not answer within {RequestTimeout.TotalSeconds:0} s");
        }
    }

    private async Task<HttpRequestMessage> SignAsync(AwsRequest request, CancellationToken cancellationToken)
    {
        var signable = new DefaultRequest(new SignedOperation(), _endpoint.ServiceName)
        {
            HttpMethod = request.Method.Method,
            Endpoint = _endpoint.BaseUri,
            ResourcePath = request.Path,
            UseQueryString = true,
            AuthenticationRegion = _endpoint.SigningRegion,
            OverrideSigningServiceName = _endpoint.SigningName,
            Content = request.Body,
        };
        foreach (var (name, value) in request.Query)
        {
            signable.Parameters[name] = value;
        }

        foreach (var (name, value) in request.Headers)
        {
            signable.Headers[name] = value;
        }

        if (request.ContentType is { } contentType)
        {
            signable.Headers["Content-Type"] = contentType;
        }

        // One snapshot of the (possibly refreshed) identity: the session token header must match the keys that sign.
        var identity = await _credentials.GetCredentialsAsync().ConfigureAwait(false);
        BaseIdentity signingIdentity = new BasicAWSCredentials(identity.AccessKey, identity.SecretKey);
        if (identity.UseToken)
        {
            signable.Headers["x-amz-security-token"] = identity.Token;
            signingIdentity = new SessionAWSCredentials(identity.AccessKey, identity.SecretKey, identity.Token);
        }

        await _signer.SignAsync(signable, _signingConfig, new Amazon.Runtime.Internal.Util.RequestMetrics(), signingIdentity, cancellationToken).ConfigureAwait(false);

        var message = new HttpRequestMessage(request.Method, BuildUri(request));
        var content = request.Body is { } body ? new ByteArrayContent(body) : null;
        foreach (var (name, value) in signable.Headers)
        {
            if (string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                content ??= new ByteArrayContent([]);
                content.Headers.TryAddWithoutValidation(name, value);
            }
            else
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        message.Content = content;
        return message;
    }

    private Uri BuildUri(AwsRequest request)
    {
        var builder = new StringBuilder(_endpoint.BaseUri.GetLeftPart(UriPartial.Authority));
        var basePath = _endpoint.BaseUri.AbsolutePath.TrimEnd('/');
        builder.Append(basePath);
        var segments = request.Path.Split('/');
        builder.Append(string.Join('/', segments.Select(Uri.EscapeDataString)));
        if (request.Query.Count > 0)
        {
            builder.Append('?');
            builder.Append(string.Join('&', request.Query.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}")));
        }

        return new Uri(builder.ToString());
    }

    internal static string Iso8601(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The SDK's request object wants an originating request; this one carries nothing.</summary>
    private sealed class SignedOperation : AmazonWebServiceRequest
    {
    }
}
