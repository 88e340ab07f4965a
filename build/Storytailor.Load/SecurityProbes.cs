using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Storytailor.Core;

namespace Storytailor.Load;

/// <summary>A route that must refuse unauthenticated requests.</summary>
public sealed record ProtectedRoute(string Method, string Path, string? Body = null);

/// <summary>How OWASP ZAP can be run on this machine (found by <see cref="ZapLocator"/>), or null when it cannot.</summary>
public sealed record ZapInvocation(string Kind, string Executable, IReadOnlyList<string> PrefixArguments);

/// <summary>Settings of the SecurityTests stage.</summary>
public sealed record SecuritySettings(Uri BaseUrl)
{
    /// <summary>Path whose response headers are checked.</summary>
    public string HeadersPath { get; init; } = "/health";

    /// <summary>Routes that must refuse unauthenticated requests (the app's description declares them).</summary>
    public IReadOnlyList<ProtectedRoute> ProtectedRoutes { get; init; } = [];

    /// <summary>An origin no deployment allows, used to test CORS with credentials.</summary>
    public string ForeignOrigin { get; init; } = "https://evil.example";

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>ZAP to run (null: ZAP not available, the scan is reported as skipped).</summary>
    public ZapInvocation? Zap { get; init; }

    /// <summary>Lowest ZAP risk code that fails the gate: 0 informational, 1 low, 2 medium, 3 high.</summary>
    public int ZapFailAtRisk { get; init; } = 2;

    /// <summary>When true, a skipped ZAP scan fails the stage; when false it is reported but allowed.</summary>
    public bool RequireZap { get; init; }

    /// <summary>Folder for ZAP's report.</summary>
    public string ZapWorkDirectory { get; init; } = Path.GetTempPath();

    public TimeSpan ZapTimeout { get; init; } = TimeSpan.FromMinutes(20);
}

public sealed record SecurityProbe(string Name, bool Passed, string Message);

public enum ZapStatus
{
    Passed,
    Failed,
    Skipped,
    CouldNotRun,
}

public sealed record ZapAlert(string Site, string Name, int RiskCode, string RiskDescription, int Instances, string PluginId);

public sealed record ZapOutcome(ZapStatus Status, string Message, IReadOnlyList<ZapAlert> Alerts);

public sealed record SecurityResult(IReadOnlyList<SecurityProbe> Probes, ZapOutcome Zap, bool RequireZap)
{
    public bool ProbesPassed => Probes.Count > 0 && Probes.All(p => p.Passed);

    public bool Passed => ProbesPassed && Zap.Status switch
    {
        ZapStatus.Passed => true,
        ZapStatus.Skipped => !RequireZap,
        _ => false,
    };

    public IReadOnlyList<string> Failures
    {
        get
        {
            var failures = Probes.Where(p => !p.Passed).Select(p => $"Security probe '{p.Name}' failed: {p.Message}").ToList();
            if (Zap.Status is ZapStatus.Failed or ZapStatus.CouldNotRun || (Zap.Status == ZapStatus.Skipped && RequireZap))
            {
                failures.Add($"ZAP baseline scan: {Zap.Message}");
            }

            return failures;
        }
    }

    public IReadOnlyList<(string Probe, string Result, string Detail)> TableRows() =>
    [
        .. Probes.Select(p => (p.Name, p.Passed ? "pass" : "FAIL", p.Message)),
        ("ZAP baseline scan", Zap.Status switch { ZapStatus.Passed => "pass", ZapStatus.Skipped => "skipped", _ => "FAIL" }, Zap.Message),
    ];

    public string WriteJson(ArtifactWriter artifacts, string relativePath = "security/security-tests.json")
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        return artifacts.WriteJson(relativePath, new { passed = Passed, probes = Probes, zap = new { status = Zap.Status.ToString(), Zap.Message, Zap.Alerts }, failures = Failures });
    }
}

/// <summary>Finds a runnable OWASP ZAP: zap-baseline.py or zap.sh on PATH, else a working container engine.</summary>
public static class ZapLocator
{
    public const string Image = "ghcr.io/zaproxy/zaproxy:stable";

    /// <param name="zapBaselineScript">Path of zap-baseline.py found on PATH, or null.</param>
    /// <param name="zapShell">Path of zap.sh found on PATH, or null.</param>
    /// <param name="docker">Path of docker found on PATH, or null; used only when <c>docker info</c> succeeds.</param>
    public static async Task<ZapInvocation?> FindAsync(CommandRunner runner, string? zapBaselineScript, string? zapShell, string? docker, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runner);
        if (zapBaselineScript is not null)
        {
            return new ZapInvocation("zap-baseline", zapBaselineScript, []);
        }

        if (zapShell is not null)
        {
            return new ZapInvocation("zap.sh", zapShell, []);
        }

        if (docker is null)
        {
            return null;
        }

        try
        {
            var info = await runner.RunAsync(new CommandSpec(docker, ["info"], Directory.GetCurrentDirectory()) { StreamOutput = false, Timeout = TimeSpan.FromSeconds(20) }, cancellationToken).ConfigureAwait(false);
            return info.Succeeded ? new ZapInvocation("docker", docker, ["run", "--rm", "--network", "host"]) : null;
        }
        catch (CommandException)
        {
            return null;
        }
    }
}

/// <summary>ZAP's traditional JSON report: <c>site[].alerts[]</c> with <c>riskcode</c> 0–3 (as strings).</summary>
public static class ZapReport
{
    public static IReadOnlyList<ZapAlert> Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var alerts = new List<ZapAlert>();
        if (!document.RootElement.TryGetProperty("site", out var sites))
        {
            throw new JsonException("ZAP report has no 'site' array.");
        }

        foreach (var site in sites.ValueKind == JsonValueKind.Array ? sites.EnumerateArray() : Enumerate(sites))
        {
            var siteName = Text(site, "@name") ?? "?";
            if (!site.TryGetProperty("alerts", out var siteAlerts))
            {
                continue;
            }

            foreach (var alert in siteAlerts.EnumerateArray())
            {
                var risk = int.TryParse(Text(alert, "riskcode"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) ? code : 3;
                var instances = alert.TryGetProperty("instances", out var list) && list.ValueKind == JsonValueKind.Array
                    ? list.GetArrayLength()
                    : int.TryParse(Text(alert, "count"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) ? count : 0;
                alerts.Add(new ZapAlert(siteName, Text(alert, "alert") ?? Text(alert, "name") ?? "?", risk, Text(alert, "riskdesc") ?? string.Empty, instances, Text(alert, "pluginid") ?? string.Empty));
            }
        }

        return alerts;
    }

    private static IEnumerable<JsonElement> Enumerate(JsonElement single)
    {
        yield return single;
    }

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value)
            ? value.ValueKind switch { JsonValueKind.String => value.GetString(), JsonValueKind.Number => value.GetRawText(), _ => null }
            : null;

    public static ZapOutcome Gate(IReadOnlyList<ZapAlert> alerts, int failAtRisk)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var blocking = alerts.Where(a => a.RiskCode >= failAtRisk).OrderByDescending(a => a.RiskCode).ToList();
        var level = RiskName(failAtRisk);
        return blocking.Count == 0
            ? new ZapOutcome(ZapStatus.Passed, $"{alerts.Count} alert(s), none at risk {level} or above", alerts)
            : new ZapOutcome(ZapStatus.Failed, $"{blocking.Count} alert(s) at risk {level} or above: " + string.Join("; ", blocking.Select(a => $"{a.Name} ({RiskName(a.RiskCode)}, plugin {a.PluginId}, {a.Instances} instance(s))")), alerts);
    }

    public static string RiskName(int code) => code switch
    {
        0 => "Informational",
        1 => "Low",
        2 => "Medium",
        _ => "High",
    };
}

/// <summary>The SecurityTests stage: the build's own HTTP probes, always, and ZAP's baseline scan when available.</summary>
public sealed partial class SecurityProbes(IBuildLog log, CommandRunner runner)
{
    public async Task<SecurityResult> RunAsync(SecuritySettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var baseUrl = settings.BaseUrl.AbsoluteUri.EndsWith('/') ? settings.BaseUrl : new Uri(settings.BaseUrl.AbsoluteUri + "/");
        using var handler = new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = settings.RequestTimeout };
        var probes = new List<SecurityProbe>();

        var (headersResponse, headersError) = await SendAsync(client, HttpMethod.Get, settings.HeadersPath, null, null, settings, cancellationToken).ConfigureAwait(false);
        using (headersResponse)
        {
            if (headersResponse is null)
            {
                var reason = $"could not run: GET {settings.HeadersPath}: {headersError}";
                probes.Add(new SecurityProbe("Strict-Transport-Security", false, reason));
                probes.Add(new SecurityProbe("X-Content-Type-Options", false, reason));
                probes.Add(new SecurityProbe("frame protection", false, reason));
                probes.Add(new SecurityProbe("no server version disclosure", false, reason));
            }
            else
            {
                probes.AddRange(HeaderProbes(headersResponse));
            }
        }

        probes.Add(await CorsCredentialsProbeAsync(client, settings, cancellationToken).ConfigureAwait(false));
        if (settings.ProtectedRoutes.Count == 0)
        {
            log.Warning("security: no protected route is declared (checks.protected_routes in the app's description), so none is probed.");
        }

        foreach (var route in settings.ProtectedRoutes)
        {
            probes.Add(await ProtectedRouteProbeAsync(client, route, settings, cancellationToken).ConfigureAwait(false));
        }

        var zap = await RunZapAsync(settings, baseUrl, cancellationToken).ConfigureAwait(false);
        foreach (var probe in probes)
        {
            (probe.Passed ? (Action<string>)log.Information : log.Error)($"security {probe.Name}: {(probe.Passed ? "pass" : "FAIL")}: {probe.Message}");
        }

        log.Information($"ZAP baseline scan: {zap.Status}: {zap.Message}");
        return new SecurityResult(probes, zap, settings.RequireZap);
    }

    /// <summary>Header probes on one response: HSTS, nosniff, frame protection, version disclosure.</summary>
    public static IReadOnlyList<SecurityProbe> HeaderProbes(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var probes = new List<SecurityProbe>();
        var hsts = SmokeSuite.Header(response, "Strict-Transport-Security");
        var maxAge = hsts is null ? null : MaxAge().Match(hsts) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : (long?)null;
        probes.Add(maxAge > 0
            ? new SecurityProbe("Strict-Transport-Security", true, $"present: {hsts}")
            : new SecurityProbe("Strict-Transport-Security", false, hsts is null ? "header missing" : $"'{hsts}' has no positive max-age"));

        var nosniff = SmokeSuite.Header(response, "X-Content-Type-Options");
        probes.Add(string.Equals(nosniff?.Trim(), "nosniff", StringComparison.OrdinalIgnoreCase)
            ? new SecurityProbe("X-Content-Type-Options", true, "nosniff")
            : new SecurityProbe("X-Content-Type-Options", false, nosniff is null ? "header missing" : $"'{nosniff}', expected 'nosniff'"));

        var frameOptions = SmokeSuite.Header(response, "X-Frame-Options");
        var csp = SmokeSuite.Header(response, "Content-Security-Policy");
        var frameAncestors = csp is null ? null : FrameAncestors().Match(csp) is { Success: true } fa ? fa.Value : null;
        var frameOptionsOk = frameOptions is not null && (frameOptions.Trim().Equals("DENY", StringComparison.OrdinalIgnoreCase) || frameOptions.Trim().Equals("SAMEORIGIN", StringComparison.OrdinalIgnoreCase));
        var ancestorsOk = frameAncestors is not null && !frameAncestors.Contains('*', StringComparison.Ordinal);
        probes.Add(frameOptionsOk || ancestorsOk
            ? new SecurityProbe("frame protection", true, frameOptionsOk ? $"X-Frame-Options: {frameOptions}" : $"Content-Security-Policy {frameAncestors}")
            : new SecurityProbe("frame protection", false, $"neither X-Frame-Options DENY/SAMEORIGIN nor a CSP frame-ancestors restriction (X-Frame-Options: {frameOptions ?? "missing"}, frame-ancestors: {frameAncestors ?? "missing"})"));

        var disclosures = new List<string>();
        foreach (var name in new[] { "Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version" })
        {
            var value = SmokeSuite.Header(response, name);
            if (value is not null && (VersionNumber().IsMatch(value) || name.StartsWith("X-AspNet", StringComparison.Ordinal)))
            {
                disclosures.Add($"{name}: {value}");
            }
        }

        probes.Add(disclosures.Count == 0
            ? new SecurityProbe("no server version disclosure", true, "no version in Server/X-Powered-By")
            : new SecurityProbe("no server version disclosure", false, "discloses " + string.Join(", ", disclosures)));
        return probes;
    }

    private static async Task<SecurityProbe> CorsCredentialsProbeAsync(HttpClient client, SecuritySettings settings, CancellationToken token)
    {
        const string name = "no wildcard CORS with credentials";
        var origin = settings.ForeignOrigin;
        var problems = new List<string>();
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Options })
        {
            var headers = new Dictionary<string, string> { ["Origin"] = origin };
            if (method == HttpMethod.Options)
            {
                headers["Access-Control-Request-Method"] = "POST";
            }

            var (response, error) = await SendAsync(client, method, settings.HeadersPath, headers, null, settings, token).ConfigureAwait(false);
            using (response)
            {
                if (response is null)
                {
                    return new SecurityProbe(name, false, $"could not run: {method} {settings.HeadersPath}: {error}");
                }

                var allowOrigin = SmokeSuite.Header(response, "Access-Control-Allow-Origin")?.Trim();
                var credentials = string.Equals(SmokeSuite.Header(response, "Access-Control-Allow-Credentials")?.Trim(), "true", StringComparison.OrdinalIgnoreCase);
                if (credentials && allowOrigin == "*")
                {
                    problems.Add($"{method} answers Access-Control-Allow-Origin '*' with Access-Control-Allow-Credentials: true");
                }
                else if (credentials && allowOrigin == origin)
                {
                    problems.Add($"{method} reflects the foreign origin {origin} with Access-Control-Allow-Credentials: true");
                }
            }
        }

        return problems.Count == 0
            ? new SecurityProbe(name, true, $"foreign origin {origin} gets no credentialed wildcard access")
            : new SecurityProbe(name, false, string.Join("; ", problems));
    }

    private static async Task<SecurityProbe> ProtectedRouteProbeAsync(HttpClient client, ProtectedRoute route, SecuritySettings settings, CancellationToken token)
    {
        var name = $"{route.Method} {route.Path} refuses unauthenticated requests";
        var (response, error) = await SendAsync(client, new HttpMethod(route.Method), route.Path, null, route.Body, settings, token).ConfigureAwait(false);
        using (response)
        {
            if (response is null)
            {
                return new SecurityProbe(name, false, $"could not run: {error}");
            }

            var status = (int)response.StatusCode;
            return status is 401 or 403
                ? new SecurityProbe(name, true, $"answered {status} without credentials")
                : new SecurityProbe(name, false, status is >= 200 and < 300
                    ? $"answered {status} WITHOUT credentials: the route is not protected"
                    : $"answered {status}, expected 401 or 403 (protection could not be confirmed)");
        }
    }

    private async Task<ZapOutcome> RunZapAsync(SecuritySettings settings, Uri baseUrl, CancellationToken token)
    {
        if (settings.Zap is not { } zap)
        {
            return new ZapOutcome(ZapStatus.Skipped, "ZAP not available: skipped (no zap-baseline.py or zap.sh on PATH and no working container engine)", []);
        }

        var workDirectory = Path.Combine(settings.ZapWorkDirectory, "zap-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(workDirectory);
        var report = Path.Combine(workDirectory, "report.json");
        var target = baseUrl.ToString();
        List<string> arguments = zap.Kind switch
        {
            "zap.sh" => ["-cmd", "-quickurl", target, "-quickout", report, "-quickprogress"],
            "docker" => [.. zap.PrefixArguments, "-v", $"{workDirectory}:/zap/wrk/:rw", ZapLocator.Image, "zap-baseline.py", "-t", target, "-J", "report.json", "-I"],
            _ => ["-t", target, "-J", "report.json", "-I"],
        };
        CommandResult result;
        try
        {
            result = await runner.RunAsync(new CommandSpec(zap.Executable, arguments, workDirectory) { Timeout = settings.ZapTimeout }, token).ConfigureAwait(false);
        }
        catch (CommandException ex)
        {
            return new ZapOutcome(ZapStatus.CouldNotRun, $"could not run: {ex.Message}", []);
        }

        // zap-baseline.py: 0 pass, 1 FAIL alerts, 2 WARN alerts (suppressed by -I), 3 other failure.
        if (result.ExitCode is not (0 or 1 or 2))
        {
            return new ZapOutcome(ZapStatus.CouldNotRun, $"could not run: {zap.Kind} exited with code {result.ExitCode}: {result.Tail(10)}", []);
        }

        var reportPath = new[] { report, "/zap/wrk/report.json" }.FirstOrDefault(File.Exists);
        if (reportPath is null)
        {
            return new ZapOutcome(ZapStatus.CouldNotRun, $"could not run: {zap.Kind} wrote no JSON report (looked for {report})", []);
        }

        try
        {
            return ZapReport.Gate(ZapReport.Parse(File.ReadAllText(reportPath)), settings.ZapFailAtRisk);
        }
        catch (JsonException ex)
        {
            return new ZapOutcome(ZapStatus.CouldNotRun, $"could not run: ZAP's report {reportPath} is unreadable: {ex.Message}", []);
        }
    }

    private static async Task<(HttpResponseMessage? Response, string? Error)> SendAsync(HttpClient client, HttpMethod method, string path, IReadOnlyDictionary<string, string>? headers, string? body, SecuritySettings settings, CancellationToken token)
    {
        using var request = new HttpRequestMessage(method, new Uri(path.TrimStart('/'), UriKind.Relative));
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        try
        {
            return (await client.SendAsync(request, token).ConfigureAwait(false), null);
        }
        catch (HttpRequestException ex)
        {
            return (null, ex.Message);
        }
        catch (TaskCanceledException) when (!token.IsCancellationRequested)
        {
            return (null, $"no answer within {settings.RequestTimeout.TotalSeconds:0} s");
        }
    }

    [GeneratedRegex(@"max-age\s*=\s*""?(\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex MaxAge();

    [GeneratedRegex(@"frame-ancestors[^;]*", RegexOptions.IgnoreCase)]
    private static partial Regex FrameAncestors();

    [GeneratedRegex(@"\d+\.\d+|/\s*\d")]
    private static partial Regex VersionNumber();
}
