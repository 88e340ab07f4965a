using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Storytailor.FakeAws;

/// <summary>A request the fake has carried out, as <see cref="FakeAwsServer.BeforeResponse"/> sees it.</summary>
public sealed record HandledRequest(string Operation, FakeRequest Request, int StatusCode);

/// <summary>One request the fake received.</summary>
public sealed record RecordedRequest(string Service, string Operation, string Method, string Path, bool Mutating, int StatusCode, bool SignatureValid)
{
    /// <summary>When the fake began handling it (headers read, wall clock).</summary>
    public DateTimeOffset ReceivedAt { get; init; }

    /// <summary>When its answer was ready to write (wall clock): the fake's own share of the call ends here.</summary>
    public DateTimeOffset AnsweredAt { get; init; }
}

/// <summary>An answer to write.</summary>
public sealed record FakeResponse(int StatusCode, string ContentType, byte[] Body)
{
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public static FakeResponse Xml(int status, string xml) => new(status, "text/xml", Encoding.UTF8.GetBytes(xml));

    public static FakeResponse Json(int status, string json) => new(status, "application/json", Encoding.UTF8.GetBytes(json));

    public static FakeResponse Empty(int status) => new(status, string.Empty, []);

    public FakeResponse With(string header, string value)
    {
        Headers[header] = value;
        return this;
    }
}

/// <summary>
/// An in-process HTTP server on 127.0.0.1 answering the AWS operations the build calls, with state,
/// SigV4 verification, fault injection and a record of every request.
/// </summary>
public sealed class FakeAwsServer : IAsyncDisposable
{
    public const string AccountId = "123456789012";

    private readonly ConcurrentDictionary<string, FakeCredentials> _credentials = new(StringComparer.Ordinal);
    private readonly List<RecordedRequest> _requests = [];
    private readonly Lock _gate = new();
    private WebApplication? _app;
    private int _requestCounter;

    public FakeAwsServer(string region = "eu-west-1")
    {
        Region = region;
        Credentials = new FakeCredentials("AKIAFAKEBUILD0000001", "fake/Secret+Key/for/the/build/tests000");
        AddCredentials(Credentials);
        S3 = new FakeS3(this);
        Route53 = new FakeRoute53(this);
        Lambda = new FakeLambda(this);
        CloudWatch = new FakeCloudWatch(this);
        Logs = new FakeLogs(this);
        Sts = new FakeSts(this);
    }

    public string Region { get; }

    /// <summary>The long-term test credentials every request may be signed with.</summary>
    public FakeCredentials Credentials { get; }

    public Uri Endpoint { get; private set; } = new("http://127.0.0.1:0/");

    public FakeS3 S3 { get; }

    public FakeRoute53 Route53 { get; }

    public FakeLambda Lambda { get; }

    public FakeCloudWatch CloudWatch { get; }

    public FakeLogs Logs { get; }

    public FakeSts Sts { get; }

    public FaultPlan Faults { get; } = new();

    /// <summary>
    /// Awaited after an operation took effect and before its response is sent: a test can hold the answer
    /// (the caller waits, as on a slow network) while it does something at that exact point.
    /// </summary>
    public Func<HandledRequest, CancellationToken, Task>? BeforeResponse { get; set; }

    /// <summary>The fake's notion of now (changes going INSYNC, alarms flipping). Tests may replace it.</summary>
    public Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.UtcNow;

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public IReadOnlyList<RecordedRequest> MutatingRequests => [.. Requests.Where(r => r.Mutating)];

    public static async Task<FakeAwsServer> StartAsync(string region = "eu-west-1")
    {
        var server = new FakeAwsServer(region);
        await server.StartListeningAsync().ConfigureAwait(false);
        return server;
    }

    public void AddCredentials(FakeCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        _credentials[credentials.AccessKeyId] = credentials;
    }

    public void ClearRequests()
    {
        lock (_gate)
        {
            _requests.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal string NextRequestId() => $"fake-{Interlocked.Increment(ref _requestCounter):D6}-{Guid.NewGuid():N}"[..36];

    private async Task StartListeningAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options =>
        {
            options.Listen(IPAddress.Loopback, 0);
            options.Limits.MaxRequestBodySize = 256L * 1024 * 1024;
        });
        _app = builder.Build();
        _app.Run(HandleAsync);
        await _app.StartAsync().ConfigureAwait(false);
        var address = _app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Endpoint = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/");
    }

    private async Task HandleAsync(HttpContext context)
    {
        var received = DateTimeOffset.UtcNow;
        var request = await FakeRequest.ReadAsync(context).ConfigureAwait(false);
        var service = ServiceOf(request);
        var operation = service.OperationOf(request);
        var requestId = NextRequestId();
        FakeResponse response;
        var signatureValid = true;

        if (service.RequiresSignature(operation))
        {
            var check = SigV4Verifier.Verify(request, key => _credentials.TryGetValue(key, out var found) ? found : null);
            signatureValid = check.Valid;
            response = check.Valid ? await RunAsync(service, operation, request, requestId).ConfigureAwait(false) : service.SignatureError(check, requestId);
        }
        else
        {
            response = await RunAsync(service, operation, request, requestId).ConfigureAwait(false);
        }

        lock (_gate)
        {
            _requests.Add(new RecordedRequest(service.Name, operation, request.Method, request.RawPath, service.IsMutating(operation), response.StatusCode, signatureValid)
            {
                ReceivedAt = received,
                AnsweredAt = DateTimeOffset.UtcNow,
            });
        }

        if (BeforeResponse is { } hook)
        {
            // The operation has taken effect; the client has not heard back yet (e.g. a process killed mid-call).
            await hook(new HandledRequest(operation, request, response.StatusCode), context.RequestAborted).ConfigureAwait(false);
        }

        context.Response.StatusCode = response.StatusCode;
        foreach (var (name, value) in response.Headers)
        {
            context.Response.Headers[name] = value;
        }

        service.AddRequestIdHeaders(context.Response.Headers, requestId);
        if (!string.IsNullOrEmpty(response.ContentType))
        {
            context.Response.ContentType = response.ContentType;
        }

        if (request.Method == "HEAD")
        {
            return;
        }

        context.Response.ContentLength = response.Body.Length;
        await context.Response.Body.WriteAsync(response.Body).ConfigureAwait(false);
    }

    private async Task<FakeResponse> RunAsync(FakeService service, string operation, FakeRequest request, string requestId)
    {
        var fault = Faults.Take(operation, request.RawPath);
        if (fault?.Latency is { } latency)
        {
            await Task.Delay(latency).ConfigureAwait(false);
        }

        return fault?.Kind switch
        {
            FaultKind.Throttle => service.ThrottleError(request, requestId),
            FaultKind.ServerError => service.ServerError(request, requestId),
            _ => service.Handle(operation, request, requestId),
        };
    }

    private FakeService ServiceOf(FakeRequest request)
    {
        switch (SigV4Verifier.SigningService(request))
        {
            case "s3":
                return S3;
            case "route53":
                return Route53;
            case "lambda":
                return Lambda;
            case "monitoring":
                return CloudWatch;
            case "logs":
                return Logs;
            case "sts":
                return Sts;
        }

        // Unsigned: STS's web identity call, or a request we can still route by shape.
        if (request.Method == "POST" && request.Form.TryGetValue("Action", out var action))
        {
            return action.StartsWith("AssumeRole", StringComparison.Ordinal) || action == "GetCallerIdentity" ? Sts : CloudWatch;
        }

        if (request.RawPath.StartsWith("/2013-04-01/", StringComparison.Ordinal))
        {
            return Route53;
        }

        return request.RawPath.StartsWith("/2015-03-31/", StringComparison.Ordinal) ? Lambda : S3;
    }
}

/// <summary>What a fault does.</summary>
public enum FaultKind
{
    None,
    Throttle,
    ServerError,
}

/// <summary>One injected fault for one call.</summary>
public sealed record Fault(FaultKind Kind, TimeSpan? Latency = null);

/// <summary>Faults queued per operation name (e.g. "GetChange", "PutObject"), consumed one per call.</summary>
public sealed class FaultPlan
{
    private readonly Lock _gate = new();
    private readonly List<(string Operation, string? PathContains, Fault Fault)> _queued = [];
    private readonly ConcurrentDictionary<string, TimeSpan> _latency = new(StringComparer.Ordinal);

    /// <summary>
    /// The next <paramref name="times"/> calls of the operation are throttled the way the service throttles;
    /// with <paramref name="pathContains"/>, only calls whose path contains it (e.g. one S3 key prefix).
    /// </summary>
    public void Throttle(string operation, int times, string? pathContains = null) => Enqueue(operation, FaultKind.Throttle, times, pathContains);

    /// <summary>The next <paramref name="times"/> calls of the operation fail with the service's 5xx (optionally only paths containing <paramref name="pathContains"/>).</summary>
    public void ServerError(string operation, int times, string? pathContains = null) => Enqueue(operation, FaultKind.ServerError, times, pathContains);

    /// <summary>The next <paramref name="times"/> calls of the operation are answered normally, before any fault queued after this (e.g. "fail the third sample").</summary>
    public void Pass(string operation, int times) => Enqueue(operation, FaultKind.None, times, null);

    /// <summary>Every call of the operation waits this long before answering (Zero removes it).</summary>
    public void Latency(string operation, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            _latency.TryRemove(operation, out _);
        }
        else
        {
            _latency[operation] = delay;
        }
    }

    /// <summary>Faults still queued (not yet consumed by a call).</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _queued.Count;
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _queued.Clear();
        }

        _latency.Clear();
    }

    internal Fault? Take(string operation, string path)
    {
        var latency = _latency.TryGetValue(operation, out var delay) ? delay : (TimeSpan?)null;
        lock (_gate)
        {
            var index = _queued.FindIndex(q => q.Operation == operation && (q.PathContains is null || path.Contains(q.PathContains, StringComparison.Ordinal)));
            if (index >= 0)
            {
                var fault = _queued[index].Fault;
                _queued.RemoveAt(index);
                return fault with { Latency = latency };
            }
        }

        return latency is null ? null : new Fault(FaultKind.None, latency);
    }

    private void Enqueue(string operation, FaultKind kind, int times, string? pathContains)
    {
        lock (_gate)
        {
            for (var i = 0; i < times; i++)
            {
                _queued.Add((operation, pathContains, new Fault(kind)));
            }
        }
    }
}

/// <summary>One emulated service: routes requests to operations and answers in its protocol.</summary>
public abstract class FakeService(FakeAwsServer server)
{
    protected FakeAwsServer Server { get; } = server;

    public abstract string Name { get; }

    internal abstract string OperationOf(FakeRequest request);

    internal abstract bool IsMutating(string operation);

    internal virtual bool RequiresSignature(string operation) => true;

    internal abstract FakeResponse Handle(string operation, FakeRequest request, string requestId);

    internal abstract FakeResponse SignatureError(SignatureCheck check, string requestId);

    internal abstract FakeResponse ThrottleError(FakeRequest request, string requestId);

    internal abstract FakeResponse ServerError(FakeRequest request, string requestId);

    internal virtual void AddRequestIdHeaders(IHeaderDictionary headers, string requestId) => headers["x-amzn-RequestId"] = requestId;

    protected static string Escape(string? text) => System.Security.SecurityElement.Escape(text ?? string.Empty);

    /// <summary>The query/rest-xml error document (ErrorResponse/Error).</summary>
    protected static FakeResponse XmlError(int status, string xmlNamespace, string code, string message, string requestId, string type = "Sender") =>
        FakeResponse.Xml(status, $"<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\"{xmlNamespace}\"><Error><Type>{type}</Type><Code>{Escape(code)}</Code><Message>{Escape(message)}</Message></Error><RequestId>{requestId}</RequestId></ErrorResponse>");
}
