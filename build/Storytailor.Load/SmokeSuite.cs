using System.Diagnostics;
using System.Globalization;
using Storytailor.Core;

namespace Storytailor.Load;

/// <summary>Settings of the SmokeTests target.</summary>
public sealed record SmokeSettings(Uri BaseUrl)
{
    /// <summary>What to probe: health paths, CORS origins, the rate limit, the auth header (from the app's description).</summary>
    public ServiceChecks Checks { get; init; } = ServiceChecks.Default;

    /// <summary>Each check's response must arrive within this time.</summary>
    public TimeSpan ResponseTimeLimit { get; init; } = TimeSpan.FromMilliseconds(800);

    /// <summary>Sent in the checks' auth header when set (never logged).</summary>
    public string? ApiKey { get; init; }

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest Retry-After the suite is prepared to wait before checking recovery.</summary>
    public TimeSpan MaxRetryAfterWait { get; init; } = TimeSpan.FromSeconds(30);
}

public sealed record SmokeCheck(string Name, bool Passed, string Message, double? ResponseMs);

public sealed record SmokeResult(Uri BaseUrl, IReadOnlyList<SmokeCheck> Checks)
{
    public bool Passed => Checks.Count > 0 && Checks.All(c => c.Passed);

    /// <summary>One line per failed check, naming it.</summary>
    public IReadOnlyList<string> Failures => [.. Checks.Where(c => !c.Passed).Select(c => $"Smoke check '{c.Name}' failed: {c.Message}")];

    public IReadOnlyList<(string Check, string Result, string Time, string Detail)> TableRows() =>
        [.. Checks.Select(c => (c.Name, c.Passed ? "pass" : "FAIL", c.ResponseMs is { } ms ? ms.ToString("0", CultureInfo.InvariantCulture) + " ms" : "-", c.Message))];

    public string WriteJson(ArtifactWriter artifacts, string relativePath = "smoke/smoke-tests.json")
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        return artifacts.WriteJson(relativePath, new { baseUrl = BaseUrl.ToString(), passed = Passed, checks = Checks, failures = Failures });
    }
}

/// <summary>
/// Smoke suite against a running deployment: health endpoints, CORS, rate limiting and response
/// times. A check that could not reach the service fails with "could not run".
/// </summary>
public sealed class SmokeSuite(IBuildLog log, Func<TimeSpan, CancellationToken, Task>? wait = null)
{
    private readonly Func<TimeSpan, CancellationToken, Task> _wait = wait ?? Task.Delay;

    public async Task<SmokeResult> RunAsync(SmokeSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var baseUrl = settings.BaseUrl.AbsoluteUri.EndsWith('/') ? settings.BaseUrl : new Uri(settings.BaseUrl.AbsoluteUri + "/");
        var declared = settings.Checks;
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(8, declared.RateLimit?.Burst ?? 0), UseCookies = false, AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = settings.RequestTimeout };
        var probe = new Prober(client, settings);
        var checks = new List<SmokeCheck>();
        foreach (var path in declared.HealthPaths)
        {
            checks.Add(await probe.HealthAsync(path == "/health" ? "health" : $"health {path}", path, cancellationToken).ConfigureAwait(false));
        }

        if (declared.Cors is { } cors)
        {
            if (cors.AllowedOrigin is { } allowed)
            {
                checks.Add(await probe.CorsAllowedAsync(cors, allowed, cancellationToken).ConfigureAwait(false));
            }

            checks.Add(await probe.CorsDisallowedAsync(cors, cancellationToken).ConfigureAwait(false));
        }

        if (declared.RateLimit is { } rateLimit)
        {
            checks.Add(await probe.RateLimitAsync(rateLimit, _wait, cancellationToken).ConfigureAwait(false));
        }

        foreach (var check in checks)
        {
            var line = $"smoke {check.Name}: {(check.Passed ? "pass" : "FAIL")}: {check.Message}";
            if (check.Passed)
            {
                log.Information(line);
            }
            else
            {
                log.Error(line);
            }
        }

        return new SmokeResult(baseUrl, checks);
    }

    /// <summary>
    /// The light probe of a live service, for every monitoring sample: the declared health paths and, when the app
    /// declares one, its read route (<see cref="ServiceChecks.ReadPath"/>), each within the response limit. No CORS preflights and no rate-limit burst (those run once, in
    /// <see cref="RunAsync"/>), so the probe never sends a burst at production.
    /// </summary>
    public async Task<SmokeResult> ProbeAsync(SmokeSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var baseUrl = settings.BaseUrl.AbsoluteUri.EndsWith('/') ? settings.BaseUrl : new Uri(settings.BaseUrl.AbsoluteUri + "/");
        using var handler = new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = settings.RequestTimeout };
        var probe = new Prober(client, settings);
        var checks = new List<SmokeCheck>();
        foreach (var path in settings.Checks.HealthPaths)
        {
            checks.Add(await probe.HealthAsync(path == "/health" ? "health" : $"health {path}", path, cancellationToken).ConfigureAwait(false));
        }

        if (settings.Checks.ReadPath is { } readPath)
        {
            checks.Add(await probe.ReadAsync(readPath, cancellationToken).ConfigureAwait(false));
        }

        foreach (var check in checks.Where(c => !c.Passed))
        {
            log.Error($"probe {check.Name}: FAIL: {check.Message}");
        }

        return new SmokeResult(baseUrl, checks);
    }

    private sealed class Prober(HttpClient client, SmokeSettings settings)
    {
        private double LimitMs => settings.ResponseTimeLimit.TotalMilliseconds;

        public async Task<SmokeCheck> HealthAsync(string name, string path, CancellationToken token)
        {
            var (response, ms, error) = await SendAsync(HttpMethod.Get, path, null, token).ConfigureAwait(false);
            using (response)
            {
                if (response is null)
                {
                    return new SmokeCheck(name, false, $"could not run: GET {path}: {error}", null);
                }

                var status = (int)response.StatusCode;
                if (status != 200)
                {
                    return new SmokeCheck(name, false, $"GET {path} answered {status}, expected 200", ms);
                }

                return Timed(name, $"GET {path} answered 200", ms);
            }
        }

        public async Task<SmokeCheck> ReadAsync(string path, CancellationToken token)
        {
            const string name = "read route";
            var (response, ms, error) = await SendAsync(HttpMethod.Get, path, null, token).ConfigureAwait(false);
            using (response)
            {
                if (response is null)
                {
                    return new SmokeCheck(name, false, $"could not run: GET {path}: {error}", null);
                }

                var status = (int)response.StatusCode;
                return status is 200 or 404
                    ? Timed(name, $"GET {path} answered {status}", ms)
                    : new SmokeCheck(name, false, $"GET {path} answered {status}, expected 200 or 404 (an answer of the app)", ms);
            }
        }

        public async Task<SmokeCheck> CorsAllowedAsync(CorsCheck cors, string origin, CancellationToken token)
        {
            const string name = "CORS allowed origin";
            var (response, ms, error) = await PreflightAsync(cors.Path, origin, token).ConfigureAwait(false);
            using (response)
            {
                if (response is null)
                {
                    return new SmokeCheck(name, false, $"could not run: OPTIONS {cors.Path}: {error}", null);
                }

                var problems = new List<string>();
                var status = (int)response.StatusCode;
                if (status is < 200 or >= 300)
                {
                    problems.Add($"preflight answered {status}, expected 2xx");
                }

                var allowOrigin = Header(response, "Access-Control-Allow-Origin");
                if (allowOrigin != origin)
                {
                    problems.Add($"Access-Control-Allow-Origin is '{allowOrigin ?? "(missing)"}', expected '{origin}'");
                }

                var methods = Header(response, "Access-Control-Allow-Methods");
                if (methods is null || !methods.Contains("POST", StringComparison.OrdinalIgnoreCase))
                {
                    problems.Add($"Access-Control-Allow-Methods is '{methods ?? "(missing)"}', expected it to include POST");
                }

                var headers = Header(response, "Access-Control-Allow-Headers");
                if (string.IsNullOrWhiteSpace(headers))
                {
                    problems.Add("Access-Control-Allow-Headers is missing");
                }

                return problems.Count > 0
                    ? new SmokeCheck(name, false, $"origin {origin}: {string.Join("; ", problems)}", ms)
                    : Timed(name, $"origin {origin} allowed (methods: {methods}; headers: {headers})", ms);
            }
        }

        public async Task<SmokeCheck> CorsDisallowedAsync(CorsCheck cors, CancellationToken token)
        {
            const string name = "CORS disallowed origin";
            var origin = cors.RefusedOrigin;
            var (response, ms, error) = await PreflightAsync(cors.Path, origin, token).ConfigureAwait(false);
            using (response)
            {
                if (response is null)
                {
                    return new SmokeCheck(name, false, $"could not run: OPTIONS {cors.Path}: {error}", null);
                }

                var allowOrigin = Header(response, "Access-Control-Allow-Origin");
                return allowOrigin is null
                    ? Timed(name, $"origin {origin} refused (answered {(int)response.StatusCode}, no Access-Control-Allow-Origin)", ms)
                    : new SmokeCheck(name, false, $"origin {origin} got Access-Control-Allow-Origin '{allowOrigin}'; a disallowed origin must get none", ms);
            }
        }

        public async Task<SmokeCheck> RateLimitAsync(RateLimitCheck rateLimit, Func<TimeSpan, CancellationToken, Task> wait, CancellationToken token)
        {
            const string name = "rate limiting";
            var burst = await Task.WhenAll(Enumerable.Range(0, rateLimit.Burst).Select(_ => SendAsync(HttpMethod.Get, rateLimit.Path, null, token))).ConfigureAwait(false);
            try
            {
                var answered = burst.Where(b => b.Response is not null).ToList();
                if (answered.Count == 0)
                {
                    return new SmokeCheck(name, false, $"could not run: none of the {rateLimit.Burst} burst requests got an answer ({burst[0].Error})", null);
                }

                var expected = rateLimit.ExpectedStatus;
                var limited = answered.Where(b => (int)b.Response!.StatusCode == expected).ToList();
                if (limited.Count == 0)
                {
                    return new SmokeCheck(name, false, $"a burst of {rateLimit.Burst} requests to {rateLimit.Path} got no {expected} (statuses: {Statuses(answered)})", null);
                }

                var retryAfter = RetryAfter(limited[0].Response!);
                if (retryAfter is null && rateLimit.RequireRetryAfter)
                {
                    return new SmokeCheck(name, false, $"{expected} answered without a valid Retry-After header (got '{Header(limited[0].Response!, "Retry-After") ?? "(missing)"}')", null);
                }

                if (retryAfter is null)
                {
                    return new SmokeCheck(name, true, $"{limited.Count} of {rateLimit.Burst} burst requests to {rateLimit.Path} got {expected} (no Retry-After, not required)", null);
                }

                if (retryAfter > settings.MaxRetryAfterWait)
                {
                    return new SmokeCheck(name, false, $"Retry-After is {retryAfter.Value.TotalSeconds:0} s, longer than the {settings.MaxRetryAfterWait.TotalSeconds:0} s the suite waits", null);
                }

                await wait(retryAfter.Value + TimeSpan.FromMilliseconds(250), token).ConfigureAwait(false);
                var (after, ms, error) = await SendAsync(HttpMethod.Get, rateLimit.Path, null, token).ConfigureAwait(false);
                using (after)
                {
                    if (after is null)
                    {
                        return new SmokeCheck(name, false, $"could not run: recovery request after Retry-After failed: {error}", null);
                    }

                    var status = (int)after.StatusCode;
                    return status == 200
                        ? Timed(name, $"{limited.Count} of {rateLimit.Burst} burst requests got {expected} (Retry-After {retryAfter.Value.TotalSeconds:0} s); recovered with 200 afterwards", ms)
                        : new SmokeCheck(name, false, $"after waiting Retry-After ({retryAfter.Value.TotalSeconds:0} s) the service still answered {status}", ms);
                }
            }
            finally
            {
                foreach (var (response, _, _) in burst)
                {
                    response?.Dispose();
                }
            }
        }

        private static string Statuses(IEnumerable<(HttpResponseMessage? Response, double Ms, string? Error)> answers) =>
            string.Join(", ", answers.GroupBy(a => (int)a.Response!.StatusCode).Select(g => $"{g.Key} ×{g.Count()}"));

        private static TimeSpan? RetryAfter(HttpResponseMessage response)
        {
            if (response.Headers.RetryAfter is { } header)
            {
                if (header.Delta is { } delta)
                {
                    return delta;
                }

                if (header.Date is { } date)
                {
                    var left = date - DateTimeOffset.UtcNow;
                    return left > TimeSpan.Zero ? left : TimeSpan.Zero;
                }
            }

            return null;
        }

        private SmokeCheck Timed(string name, string message, double ms) =>
            ms <= LimitMs
                ? new SmokeCheck(name, true, string.Create(CultureInfo.InvariantCulture, $"{message} in {ms:0} ms"), ms)
                : new SmokeCheck(name, false, string.Create(CultureInfo.InvariantCulture, $"{message} but took {ms:0} ms, over the {LimitMs:0} ms limit"), ms);

        private Task<(HttpResponseMessage? Response, double Ms, string? Error)> PreflightAsync(string path, string origin, CancellationToken token) =>
            SendAsync(HttpMethod.Options, path, new Dictionary<string, string>
            {
                ["Origin"] = origin,
                ["Access-Control-Request-Method"] = "POST",
                ["Access-Control-Request-Headers"] = "content-type, " + settings.Checks.AuthHeader,
            }, token);

        private async Task<(HttpResponseMessage? Response, double Ms, string? Error)> SendAsync(HttpMethod method, string path, IReadOnlyDictionary<string, string>? headers, CancellationToken token)
        {
            using var request = new HttpRequestMessage(method, new Uri(path.TrimStart('/'), UriKind.Relative));
            if (settings.ApiKey is { } key)
            {
                request.Headers.TryAddWithoutValidation(settings.Checks.AuthHeader, key);
            }

            foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            var started = Stopwatch.GetTimestamp();
            try
            {
                var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, token).ConfigureAwait(false);
                return (response, Stopwatch.GetElapsedTime(started).TotalMilliseconds, null);
            }
            catch (HttpRequestException ex)
            {
                return (null, Stopwatch.GetElapsedTime(started).TotalMilliseconds, ex.Message);
            }
            catch (TaskCanceledException) when (!token.IsCancellationRequested)
            {
                return (null, Stopwatch.GetElapsedTime(started).TotalMilliseconds, $"no answer within {settings.RequestTimeout.TotalSeconds:0} s");
            }
        }
    }

    /// <summary>A response header as sent (unparsed), or null when absent.</summary>
    internal static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.NonValidated.TryGetValues(name, out var values) || response.Content.Headers.NonValidated.TryGetValues(name, out values)
            ? values.ToString()
            : null;
}
