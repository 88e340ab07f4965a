using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace Storytailor.FakeAws;

/// <summary>A fake function's configuration, as GetFunctionConfiguration reports it.</summary>
public sealed record FakeFunction(string Name)
{
    public string State { get; init; } = "Active";

    public string? StateReason { get; init; }

    public string LastUpdateStatus { get; init; } = "Successful";

    public string? LastUpdateStatusReason { get; init; }

    public string CodeSha256 { get; init; } = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(Name)));

    public string Version { get; init; } = "$LATEST";

    public DateTimeOffset LastModified { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>How many more GetFunctionConfiguration calls report LastUpdateStatus InProgress before Successful.</summary>
    public int PendingPolls { get; init; }

    /// <summary>Answers invocations: payload in, (payload out, function error or null).</summary>
    public Func<string, (string Payload, string? FunctionError)> Handler { get; init; } = _ => ("{\"statusCode\":200,\"body\":\"ok\"}", null);
}

/// <summary>Lambda (REST-JSON): GetFunctionConfiguration and Invoke.</summary>
public sealed class FakeLambda(FakeAwsServer server) : FakeService(server)
{
    private readonly ConcurrentDictionary<string, FakeFunction> _functions = new(StringComparer.Ordinal);

    public override string Name => "lambda";

    public void PutFunction(FakeFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        _functions[function.Name] = function;
    }

    public FakeFunction Function(string name) => _functions[name];

    /// <summary>Starts an update: InProgress for <paramref name="pendingPolls"/> reads, then Successful (or Failed) with the new code.</summary>
    public void BeginUpdate(string name, string newCodeSha256, int pendingPolls, string? failureReason = null) =>
        _functions[name] = _functions[name] with
        {
            LastUpdateStatus = "InProgress",
            CodeSha256 = newCodeSha256,
            PendingPolls = pendingPolls,
            LastUpdateStatusReason = failureReason,
            LastModified = Server.Clock(),
        };

    public IReadOnlyList<string> Invocations { get; private set; } = [];

    internal override string OperationOf(FakeRequest request)
    {
        var s = request.Segments;
        if (s.Count == 4 && s[0] == "2015-03-31" && s[1] == "functions")
        {
            return (request.Method, s[3]) switch
            {
                ("GET", "configuration") => "GetFunctionConfiguration",
                ("POST", "invocations") => "Invoke",
                _ => "Unsupported",
            };
        }

        return "Unsupported";
    }

    internal override bool IsMutating(string operation) => operation == "Invoke";

    internal override FakeResponse SignatureError(SignatureCheck check, string requestId)
    {
        var type = check.ErrorCode switch
        {
            "InvalidAccessKeyId" => "UnrecognizedClientException",
            "InvalidToken" => "UnrecognizedClientException",
            _ => "InvalidSignatureException",
        };
        return FakeResponse.Json(403, JsonSerializer.Serialize(new Dictionary<string, string> { ["message"] = check.Message })).With("x-amzn-ErrorType", type);
    }

    internal override FakeResponse ThrottleError(FakeRequest request, string requestId) =>
        Error(429, "TooManyRequestsException", "Rate Exceeded.", extra: new() { ["Reason"] = "CallerRateLimitExceeded" });

    internal override FakeResponse ServerError(FakeRequest request, string requestId) => Error(500, "ServiceException", "An internal error occurred.", kind: "Service");

    internal override FakeResponse Handle(string operation, FakeRequest request, string requestId)
    {
        if (operation == "Unsupported")
        {
            return Error(404, "UnknownOperationException", $"The fake Lambda does not implement {request.Method} {request.RawPath}");
        }

        var name = request.Segments[2];
        if (name.StartsWith("arn:", StringComparison.Ordinal))
        {
            name = name.Split(':')[6];
        }

        if (!_functions.TryGetValue(name, out var function))
        {
            return Error(404, "ResourceNotFoundException", $"Function not found: arn:aws:lambda:{Server.Region}:{FakeAwsServer.AccountId}:function:{name}");
        }

        if (operation == "Invoke")
        {
            var (payload, functionError) = function.Handler(request.BodyText);
            lock (_functions)
            {
                Invocations = [.. Invocations, name];
            }

            var response = FakeResponse.Json(200, payload).With("X-Amz-Executed-Version", function.Version);
            return functionError is null ? response : response.With("X-Amz-Function-Error", functionError);
        }

        if (function.LastUpdateStatus == "InProgress")
        {
            var next = function.PendingPolls <= 0
                ? function with { LastUpdateStatus = function.LastUpdateStatusReason is null ? "Successful" : "Failed", PendingPolls = 0 }
                : function with { PendingPolls = function.PendingPolls - 1 };
            _functions[name] = next;
            function = function.PendingPolls <= 0 ? next : function;
        }

        var body = new Dictionary<string, object?>
        {
            ["FunctionName"] = function.Name,
            ["FunctionArn"] = $"arn:aws:lambda:{Server.Region}:{FakeAwsServer.AccountId}:function:{function.Name}",
            ["Runtime"] = "nodejs20.x",
            ["Role"] = $"arn:aws:iam::{FakeAwsServer.AccountId}:role/{function.Name}-role",
            ["Handler"] = "index.handler",
            ["CodeSize"] = 1024,
            ["Description"] = string.Empty,
            ["Timeout"] = 30,
            ["MemorySize"] = 512,
            ["LastModified"] = function.LastModified.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+0000'", System.Globalization.CultureInfo.InvariantCulture),
            ["CodeSha256"] = function.CodeSha256,
            ["Version"] = function.Version,
            ["State"] = function.State,
            ["LastUpdateStatus"] = function.LastUpdateStatus,
            ["PackageType"] = "Zip",
            ["Architectures"] = new[] { "x86_64" },
        };
        if (function.StateReason is not null)
        {
            body["StateReason"] = function.StateReason;
        }

        if (function.LastUpdateStatusReason is not null && function.LastUpdateStatus == "Failed")
        {
            body["LastUpdateStatusReason"] = function.LastUpdateStatusReason;
        }

        return FakeResponse.Json(200, JsonSerializer.Serialize(body));
    }

    private static FakeResponse Error(int status, string errorType, string message, string kind = "User", Dictionary<string, string>? extra = null)
    {
        var body = new Dictionary<string, string> { ["Type"] = kind, ["message"] = message };
        foreach (var (k, v) in extra ?? [])
        {
            body[k] = v;
        }

        return FakeResponse.Json(status, JsonSerializer.Serialize(body)).With("x-amzn-ErrorType", errorType);
    }
}
