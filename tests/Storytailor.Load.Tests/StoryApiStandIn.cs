using Microsoft.AspNetCore.Http;

namespace Storytailor.Load.Tests;

/// <summary>How the in-test service behaves; the defaults are a correct service, each flag breaks one thing.</summary>
public sealed record StoryApiBehaviour
{
    public string AllowedOrigin { get; init; } = "https://storytailor.com";

    public bool Cors { get; init; } = true;

    public bool WildcardCors { get; init; }

    public bool CredentialsWithWildcard { get; init; }

    public bool RateLimit { get; init; } = true;

    /// <summary>Sent with the 429 (null: none, as API Gateway's own throttling answers).</summary>
    public string? RetryAfter { get; init; } = "1";

    public int Burst { get; init; } = 20;

    public double RefillPerSecond { get; init; } = 20;

    public TimeSpan Delay { get; init; } = TimeSpan.Zero;

    public bool SecurityHeaders { get; init; } = true;

    public bool FrameAncestorsInsteadOfXfo { get; init; }

    public string? ServerHeader { get; init; }

    public bool Unprotected { get; init; }
}

/// <summary>An in-test HTTP service with the Storytailor API's surface: health routes, CORS, rate limit, auth.</summary>
public static class StoryApiStandIn
{
    public static Task<TestHttpServer> StartAsync(StoryApiBehaviour behaviour)
    {
        var gate = new Lock();
        double tokens = behaviour.Burst;
        var updated = DateTime.UtcNow;
        return TestHttpServer.StartAsync(async context =>
        {
            var request = context.Request;
            var response = context.Response;
            if (behaviour.SecurityHeaders)
            {
                response.Headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains";
                response.Headers["X-Content-Type-Options"] = "nosniff";
                if (behaviour.FrameAncestorsInsteadOfXfo)
                {
                    response.Headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'";
                }
                else
                {
                    response.Headers["X-Frame-Options"] = "DENY";
                }
            }

            if (behaviour.ServerHeader is { } server)
            {
                response.Headers["Server"] = server;
            }

            var origin = request.Headers.Origin.ToString();
            if (behaviour.WildcardCors)
            {
                response.Headers.AccessControlAllowOrigin = "*";
                if (behaviour.CredentialsWithWildcard)
                {
                    response.Headers.AccessControlAllowCredentials = "true";
                }
            }
            else if (behaviour.Cors && origin == behaviour.AllowedOrigin)
            {
                response.Headers.AccessControlAllowOrigin = origin;
            }

            if (behaviour.RateLimit)
            {
                bool allowed;
                lock (gate)
                {
                    var now = DateTime.UtcNow;
                    tokens = Math.Min(behaviour.Burst, tokens + (now - updated).TotalSeconds * behaviour.RefillPerSecond);
                    updated = now;
                    allowed = tokens >= 1;
                    if (allowed)
                    {
                        tokens -= 1;
                    }
                }

                if (!allowed)
                {
                    response.StatusCode = 429;
                    if (behaviour.RetryAfter is { } retryAfter)
                    {
                        response.Headers.RetryAfter = retryAfter;
                    }

                    return;
                }
            }

            if (behaviour.Delay > TimeSpan.Zero)
            {
                await Task.Delay(behaviour.Delay);
            }

            if (request.Method == "OPTIONS")
            {
                if (behaviour.WildcardCors || (behaviour.Cors && origin == behaviour.AllowedOrigin))
                {
                    response.StatusCode = 204;
                    response.Headers.AccessControlAllowMethods = "GET, POST, OPTIONS";
                    response.Headers.AccessControlAllowHeaders = "content-type, x-api-key";
                }
                else
                {
                    response.StatusCode = 403;
                }

                return;
            }

            var path = request.Path.Value ?? "/";
            if (path is "/health" or "/v1/router/health" or "/v1/agent/health")
            {
                await response.WriteAsJsonAsync(new { status = "ok" });
                return;
            }

            if (path.StartsWith("/v1/stories", StringComparison.Ordinal))
            {
                var authorized = request.Headers["x-api-key"] == "test-key";
                response.StatusCode = authorized || behaviour.Unprotected ? (request.Method == "POST" ? 201 : 404) : 401;
                return;
            }

            response.StatusCode = 404;
        });
    }
}
