namespace Storytailor.Load.Tests;

/// <summary>The checks example/storytailor.yml declares (the build's tests prove the file reads as these).</summary>
public static class ExampleChecks
{
    public static readonly ServiceChecks Declared = new()
    {
        HealthPaths = ["/health", "/v1/router/health", "/v1/agent/health"],
        ProtectedRoutes = [new("POST", "/v1/stories", "{\"childId\":\"probe\",\"prompt\":\"probe\"}"), new("GET", "/v1/stories/x")],
        Cors = new CorsCheck("/v1/stories", "https://storytailor.com", "https://evil.example"),
        RateLimit = new RateLimitCheck("/health", 60, 429, true),
        ReadPath = "/v1/stories/monitoring-probe",
    };

    public static ServiceChecks WithBurst(int burst) => Declared with { RateLimit = Declared.RateLimit! with { Burst = burst } };
}
