using System.Net;

namespace Storytailor.Aws;

/// <summary>An AWS call failed. The message names the service, operation, AWS error code and request id.</summary>
public class AwsServiceException : Exception
{
    public AwsServiceException(string service, string operation, string errorCode, string errorMessage, string? requestId, HttpStatusCode? statusCode, Exception? inner = null)
        : base(Describe(service, operation, errorCode, errorMessage, requestId, statusCode), inner)
    {
        Service = service;
        Operation = operation;
        ErrorCode = errorCode;
        ErrorMessage = errorMessage;
        RequestId = requestId;
        StatusCode = statusCode;
    }

    public AwsServiceException()
        : this("aws", "unknown", "Unknown", "unknown error", null, null)
    {
    }

    public AwsServiceException(string message)
        : this("aws", "unknown", "Unknown", message, null, null)
    {
    }

    public AwsServiceException(string message, Exception innerException)
        : this("aws", "unknown", "Unknown", message, null, null, innerException)
    {
    }

    public string Service { get; }

    public string Operation { get; }

    /// <summary>The AWS error code, e.g. NoSuchHostedZone, AccessDenied, Throttling.</summary>
    public string ErrorCode { get; }

    public string ErrorMessage { get; }

    public string? RequestId { get; }

    public HttpStatusCode? StatusCode { get; }

    /// <summary>Throttling, 5xx and network failures are worth another attempt.</summary>
    public bool IsRetryable =>
        ThrottlingCodes.Contains(ErrorCode) || StatusCode is null || (int)StatusCode.Value >= 500 || StatusCode == (HttpStatusCode)429;

    internal static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException", "RequestThrottled",
        "RequestThrottledException", "SlowDown", "PriorRequestNotComplete", "RequestLimitExceeded", "ProvisionedThroughputExceededException",
    };

    private static string Describe(string service, string operation, string errorCode, string errorMessage, string? requestId, HttpStatusCode? statusCode)
    {
        var status = statusCode is { } code ? $" (HTTP {(int)code})" : string.Empty;
        var request = string.IsNullOrEmpty(requestId) ? "no request id" : $"request id {requestId}";
        return $"{service} {operation} failed: {errorCode}{status}: {errorMessage} [{request}]";
    }
}

/// <summary>A conditional write found a different object version (HTTP 412 on If-Match).</summary>
public sealed class ArtifactPreconditionFailedException(string key, AwsServiceException cause)
    : Exception($"The object '{key}' changed since it was read (its ETag no longer matches): {cause.Message}", cause)
{
    public string Key { get; } = key;
}

/// <summary>A content-addressed artifact already exists under the key with a different checksum.</summary>
public sealed class ArtifactChecksumMismatchException(string key, string expected, string? actual)
    : Exception($"The artifact '{key}' already exists with SHA-256 {actual ?? "(none recorded)"}, not {expected}; content-addressed keys must never change content.")
{
    public string Key { get; } = key;
}

/// <summary>Waiting for AWS to reach a state took longer than allowed.</summary>
public sealed class AwsWaitTimeoutException(string what, TimeSpan timeout, string lastState)
    : Exception($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}; last state: {lastState}.")
{
    public string LastState { get; } = lastState;
}
