namespace Storytailor.Load;

/// <summary>The CORS checks: an origin that must be allowed (none: not checked) and one that must be refused.</summary>
public sealed record CorsCheck(string Path, string? AllowedOrigin, string RefusedOrigin);

/// <summary>The rate-limit probe: a burst of requests to one path that must get the expected status (and Retry-After when required).</summary>
public sealed record RateLimitCheck(string Path, int Burst, int ExpectedStatus, bool RequireRetryAfter);

/// <summary>
/// What the smoke and security checks probe on a deployment of this app: its health paths, the routes that
/// must refuse unauthenticated requests and the header that carries the API key, CORS and the rate limit.
/// The defaults fit any HTTP API with a <c>/health</c> route; the app's description file says the rest.
/// </summary>
public sealed record ServiceChecks
{
    public static readonly ServiceChecks Default = new();

    /// <summary>Paths that must answer 200 to GET.</summary>
    public IReadOnlyList<string> HealthPaths { get; init; } = ["/health"];

    /// <summary>Header carrying the API key (sent by the smoke suite, withheld by the security probes).</summary>
    public string AuthHeader { get; init; } = "x-api-key";

    /// <summary>Routes that must refuse a request without the auth header (none declared: nothing to probe).</summary>
    public IReadOnlyList<ProtectedRoute> ProtectedRoutes { get; init; } = [];

    /// <summary>null: no CORS checks.</summary>
    public CorsCheck? Cors { get; init; } = new("/health", null, "https://evil.example");

    /// <summary>null: the rate-limit probe is off.</summary>
    public RateLimitCheck? RateLimit { get; init; } = new("/health", 60, 429, true);

    /// <summary>
    /// A read route of the API the monitoring window's light probe also calls (with the API key; 200, or 404 for an id
    /// that does not exist, is an answer of the app). null: the light probe calls the health paths only.
    /// </summary>
    public string? ReadPath { get; init; }
}
