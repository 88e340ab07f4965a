namespace Storytailor.Aws;

/// <summary>The parts of a Lambda function's configuration the pipeline looks at.</summary>
public sealed record FunctionConfiguration(
    string FunctionName,
    string? FunctionArn,
    string State,
    string? StateReason,
    string LastUpdateStatus,
    string? LastUpdateStatusReason,
    string CodeSha256,
    string Version,
    DateTimeOffset? LastModified)
{
    /// <summary>Active and the last update finished successfully.</summary>
    public bool IsReady => State == "Active" && LastUpdateStatus == "Successful";
}

/// <summary>The answer of a synchronous invocation. <see cref="FunctionError"/> is set when the function threw.</summary>
public sealed record InvocationResult(int StatusCode, string? FunctionError, string Payload, string? ExecutedVersion)
{
    public bool Succeeded => StatusCode is >= 200 and < 300 && FunctionError is null;
}

/// <summary>A function's update or creation ended in Failed.</summary>
public sealed class FunctionUpdateFailedException(string functionName, string? reason)
    : Exception($"The Lambda function '{functionName}' update failed: {reason ?? "no reason given"}.")
{
    public string FunctionName { get; } = functionName;
}

/// <summary>The Lambda functions the pipeline deploys and warms up.</summary>
public interface IFunctionRegistry
{
    Task<FunctionConfiguration> GetConfigurationAsync(string functionName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Polls until the function is Active with LastUpdateStatus Successful. Throws
    /// <see cref="FunctionUpdateFailedException"/> on Failed and <see cref="AwsWaitTimeoutException"/> when the time is up.
    /// </summary>
    Task<FunctionConfiguration> WaitForUpdateAsync(string functionName, TimeSpan timeout, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default);

    /// <summary>Invokes synchronously (RequestResponse) with a JSON payload.</summary>
    Task<InvocationResult> InvokeAsync(string functionName, string payload, CancellationToken cancellationToken = default);
}
