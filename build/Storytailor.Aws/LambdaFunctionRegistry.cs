using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Storytailor.Core;

namespace Storytailor.Aws;

/// <summary>The function registry on Lambda's REST-JSON API (signing name lambda).</summary>
public sealed class LambdaFunctionRegistry : IFunctionRegistry
{
    public const string ApiVersion = "2015-03-31";

    /// <summary>The IAM actions this client needs, per operation it calls.</summary>
    public static IReadOnlyDictionary<string, string> Operations { get; } = new Dictionary<string, string>
    {
        ["GetFunctionConfiguration"] = "lambda:GetFunctionConfiguration",
        ["Invoke"] = "lambda:InvokeFunction",
    };

    private readonly AwsRequestSender _sender;
    private readonly IBuildLog _log;

    internal LambdaFunctionRegistry(AwsRequestSender sender, IBuildLog log)
    {
        _sender = sender;
        _log = log;
    }

    public async Task<FunctionConfiguration> GetConfigurationAsync(string functionName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(functionName);
        var response = await _sender.SendAsync(
            new AwsRequest("GetFunctionConfiguration", HttpMethod.Get, $"/{ApiVersion}/functions/{functionName}/configuration") { Resource = functionName },
            cancellationToken).ConfigureAwait(false);
        using var json = JsonDocument.Parse(response.Body);
        var root = json.RootElement;
        string? Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return new FunctionConfiguration(
            Text("FunctionName") ?? functionName,
            Text("FunctionArn"),
            Text("State") ?? "Active",
            Text("StateReason"),
            Text("LastUpdateStatus") ?? "Successful",
            Text("LastUpdateStatusReason"),
            Text("CodeSha256") ?? string.Empty,
            Text("Version") ?? "$LATEST",
            ParseLastModified(Text("LastModified")));
    }

    public async Task<FunctionConfiguration> WaitForUpdateAsync(string functionName, TimeSpan timeout, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        var interval = pollInterval ?? TimeSpan.FromSeconds(2);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var configuration = await GetConfigurationAsync(functionName, cancellationToken).ConfigureAwait(false);
            if (configuration.State == "Failed" || configuration.LastUpdateStatus == "Failed")
            {
                throw new FunctionUpdateFailedException(functionName, configuration.LastUpdateStatusReason ?? configuration.StateReason);
            }

            if (configuration.IsReady)
            {
                _log.Information($"lambda: {functionName} is Active, last update Successful (code {configuration.CodeSha256})");
                return configuration;
            }

            if (clock.Elapsed + interval > timeout)
            {
                throw new AwsWaitTimeoutException($"Lambda function '{functionName}' to finish its update", timeout, $"State={configuration.State}, LastUpdateStatus={configuration.LastUpdateStatus}");
            }

            await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<InvocationResult> InvokeAsync(string functionName, string payload, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(functionName);
        var response = await _sender.SendAsync(
            new AwsRequest("Invoke", HttpMethod.Post, $"/{ApiVersion}/functions/{functionName}/invocations")
            {
                Body = Encoding.UTF8.GetBytes(payload),
                ContentType = "application/json",
                Headers = new Dictionary<string, string> { ["X-Amz-Invocation-Type"] = "RequestResponse" },
                Resource = functionName,
            },
            cancellationToken).ConfigureAwait(false);
        var result = new InvocationResult((int)response.StatusCode, response.Header("X-Amz-Function-Error"), response.Text, response.Header("X-Amz-Executed-Version"));
        _log.Information($"lambda: invoked {functionName}: HTTP {result.StatusCode}{(result.FunctionError is null ? string.Empty : $", function error {result.FunctionError}")}");
        return result;
    }

    private static DateTimeOffset? ParseLastModified(string? value)
    {
        if (value is null)
        {
            return null;
        }

        string[] formats = ["yyyy-MM-dd'T'HH:mm:ss.fffzzz", "yyyy-MM-dd'T'HH:mm:ss.fffzz00", "yyyy-MM-dd'T'HH:mm:ss.fff+0000", "o"];
        var normalized = value.Length > 5 && (value[^5] == '+' || value[^5] == '-') ? value.Insert(value.Length - 2, ":") : value;
        return DateTimeOffset.TryParseExact(normalized, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            || DateTimeOffset.TryParse(normalized, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out parsed)
            ? parsed
            : null;
    }

    /// <summary>Lambda's errors: x-amzn-ErrorType header and a JSON body with Message (or message).</summary>
    internal static AwsServiceException ReadError(string operation, AwsResponse response)
    {
        var code = response.Header("x-amzn-ErrorType")?.Split(':')[0];
        var message = Route53DnsRouter.Truncate(response.Text);
        try
        {
            if (response.Body.Length > 0)
            {
                using var json = JsonDocument.Parse(response.Body);
                var root = json.RootElement;
                foreach (var name in new[] { "Message", "message" })
                {
                    if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
                    {
                        message = value.GetString()!;
                    }
                }

                if (code is null && root.TryGetProperty("__type", out var type))
                {
                    code = type.GetString()?.Split('#')[^1];
                }

                if (code is null && root.TryGetProperty("Type", out var kind) && kind.ValueKind == JsonValueKind.String && kind.GetString() != "User")
                {
                    code = kind.GetString();
                }
            }
        }
        catch (JsonException)
        {
            // The body is not JSON (a proxy page, say); the truncated text is the message.
        }

        return new AwsServiceException("lambda", operation, code ?? response.StatusCode.ToString(), message, response.Header("x-amzn-RequestId"), response.StatusCode);
    }
}
