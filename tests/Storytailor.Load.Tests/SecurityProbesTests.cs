using Storytailor.Core;

namespace Storytailor.Load.Tests;

public class SecurityProbesTests
{
    private static async Task<SecurityResult> RunAgainst(StoryApiBehaviour behaviour, ZapInvocation? zap = null, string? workDirectory = null)
    {
        await using var server = await StoryApiStandIn.StartAsync(behaviour with { RateLimit = false });
        var settings = new SecuritySettings(server.BaseUrl) { ProtectedRoutes = ExampleChecks.Declared.ProtectedRoutes, Zap = zap, ZapWorkDirectory = workDirectory ?? Path.GetTempPath() };
        var log = new RecordingLog();
        return await new SecurityProbes(log, new CommandRunner(log, new SecretRedactor())).RunAsync(settings);
    }

    [Test]
    public async Task Good_headers_pass_and_ZAP_is_reported_as_skipped_not_passed()
    {
        var result = await RunAgainst(new StoryApiBehaviour());

        Assert.Multiple(() =>
        {
            Assert.That(result.ProbesPassed, Is.True, string.Join("\n", result.Failures));
            Assert.That(result.Zap.Status, Is.EqualTo(ZapStatus.Skipped));
            Assert.That(result.Zap.Message, Does.StartWith("ZAP not available: skipped"));
            Assert.That(result.Passed, Is.True, "a skipped scan is allowed unless RequireZap");
            Assert.That(result with { RequireZap = true }, Has.Property(nameof(SecurityResult.Passed)).False);
        });
    }

    [Test]
    public async Task Frame_ancestors_in_the_CSP_counts_as_frame_protection()
    {
        var result = await RunAgainst(new StoryApiBehaviour { FrameAncestorsInsteadOfXfo = true });

        Assert.That(result.Probes.Single(p => p.Name == "frame protection").Passed, Is.True);
    }

    [Test]
    public async Task Missing_security_headers_each_fail_by_name()
    {
        var result = await RunAgainst(new StoryApiBehaviour { SecurityHeaders = false });

        Assert.That(result.Failures, Has.Some.Contains("'Strict-Transport-Security'")
            .And.Some.Contains("'X-Content-Type-Options'")
            .And.Some.Contains("'frame protection'"));
    }

    [Test]
    public async Task Wildcard_CORS_with_credentials_fails()
    {
        var result = await RunAgainst(new StoryApiBehaviour { WildcardCors = true, CredentialsWithWildcard = true });

        Assert.That(result.Failures, Has.Exactly(1).Contains("no wildcard CORS with credentials"));
    }

    [TestCase("nginx/1.25.3")]
    [TestCase("Apache 2.4")]
    public async Task A_server_header_with_a_version_fails(string server)
    {
        var result = await RunAgainst(new StoryApiBehaviour { ServerHeader = server });

        Assert.That(result.Failures, Has.Exactly(1).Contains("discloses Server: " + server));
    }

    [Test]
    public async Task A_server_header_without_a_version_passes()
    {
        var result = await RunAgainst(new StoryApiBehaviour { ServerHeader = "nginx" });

        Assert.That(result.Probes.Single(p => p.Name == "no server version disclosure").Passed, Is.True);
    }

    [Test]
    public async Task Unprotected_routes_fail()
    {
        var result = await RunAgainst(new StoryApiBehaviour { Unprotected = true });

        Assert.That(result.Failures, Has.Some.Contains("POST /v1/stories").And.Some.Contains("WITHOUT credentials"));
    }

    [Test]
    public async Task An_unreachable_target_fails_every_probe_as_could_not_run()
    {
        Uri gone;
        await using (var server = await StoryApiStandIn.StartAsync(new StoryApiBehaviour()))
        {
            gone = server.BaseUrl;
        }

        var log = new RecordingLog();
        var result = await new SecurityProbes(log, new CommandRunner(log, new SecretRedactor())).RunAsync(new SecuritySettings(gone) { ProtectedRoutes = ExampleChecks.Declared.ProtectedRoutes });

        Assert.That(result.Passed, Is.False);
        Assert.That(result.Probes.Select(p => p.Message), Has.All.StartWith("could not run"));
    }

    [Test]
    public void ZAP_report_parsing_reads_sites_alerts_and_risk_codes()
    {
        var alerts = ZapReport.Parse(ZapReportSample.Json);

        Assert.That(alerts, Has.Count.EqualTo(3));
        Assert.That(alerts.Select(a => a.RiskCode), Is.EquivalentTo(new[] { 2, 1, 0 }));
        Assert.That(ZapReport.Gate(alerts, 2).Status, Is.EqualTo(ZapStatus.Failed));
        Assert.That(ZapReport.Gate(alerts, 2).Message, Does.Contain("Content Security Policy (CSP) Header Not Set (Medium"));
        Assert.That(ZapReport.Gate(alerts, 3).Status, Is.EqualTo(ZapStatus.Passed));
    }

    [TestCase(2, ZapStatus.Failed)]
    [TestCase(3, ZapStatus.Passed)]
    public async Task StandIn_zap_sh_runs_and_its_report_is_gated_on_the_risk_level(int failAt, ZapStatus expected)
    {
        var folder = Directory.CreateTempSubdirectory("zap-standin-").FullName;
        var samplePath = Path.Combine(folder, "sample.json");
        File.WriteAllText(samplePath, ZapReportSample.Json);
        var script = Path.Combine(folder, "zap.sh");
        // Stand-in for zap.sh: copies the sample report to the path after -quickout.
        File.WriteAllText(script, $"#!/bin/sh\nwhile [ $# -gt 0 ]; do if [ \"$1\" = -quickout ]; then cp '{samplePath}' \"$2\"; fi; shift; done\nexit 0\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        await using var server = await StoryApiStandIn.StartAsync(new StoryApiBehaviour { RateLimit = false });
        var log = new RecordingLog();
        var result = await new SecurityProbes(log, new CommandRunner(log, new SecretRedactor()))
            .RunAsync(new SecuritySettings(server.BaseUrl) { Zap = new ZapInvocation("zap.sh", script, []), ZapFailAtRisk = failAt, ZapWorkDirectory = folder });

        Assert.That(result.Zap.Status, Is.EqualTo(expected), result.Zap.Message);
        Assert.That(result.Passed, Is.EqualTo(expected == ZapStatus.Passed));
        Directory.Delete(folder, true);
    }

    [Test]
    public async Task StandIn_zap_that_crashes_is_could_not_run_never_a_pass()
    {
        var folder = Directory.CreateTempSubdirectory("zap-standin-").FullName;
        var script = Path.Combine(folder, "zap-baseline.py");
        File.WriteAllText(script, "#!/bin/sh\necho 'ZAP failed to start' >&2\nexit 3\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var result = await RunAgainst(new StoryApiBehaviour(), new ZapInvocation("zap-baseline", script, []), folder);

        Assert.That(result.Zap.Status, Is.EqualTo(ZapStatus.CouldNotRun));
        Assert.That(result.Zap.Message, Does.Contain("exited with code 3").And.Contain("ZAP failed to start"));
        Assert.That(result.Passed, Is.False);
        Directory.Delete(folder, true);
    }

    [Test]
    public async Task Docker_without_an_engine_is_not_a_usable_ZAP()
    {
        var folder = Directory.CreateTempSubdirectory("docker-standin-").FullName;
        var docker = Path.Combine(folder, "docker");
        File.WriteAllText(docker, "#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n");
        File.SetUnixFileMode(docker, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var log = new RecordingLog();

        var zap = await ZapLocator.FindAsync(new CommandRunner(log, new SecretRedactor()), null, null, docker);

        Assert.That(zap, Is.Null);
        Directory.Delete(folder, true);
    }
}

/// <summary>A report in ZAP's traditional JSON format (as written by -J and -quickout).</summary>
internal static class ZapReportSample
{
    public const string Json = """
        {
          "@programName": "ZAP",
          "@version": "2.16.0",
          "@generated": "Mon, 1 Jan 2024 10:00:00",
          "site": [
            {
              "@name": "http://127.0.0.1:3000",
              "@host": "127.0.0.1",
              "@port": "3000",
              "@ssl": "false",
              "alerts": [
                {
                  "pluginid": "10038",
                  "alertRef": "10038-1",
                  "alert": "Content Security Policy (CSP) Header Not Set",
                  "name": "Content Security Policy (CSP) Header Not Set",
                  "riskcode": "2",
                  "confidence": "3",
                  "riskdesc": "Medium (High)",
                  "desc": "<p>CSP is an added layer of security.</p>",
                  "instances": [ { "uri": "http://127.0.0.1:3000/health", "method": "GET", "param": "", "attack": "", "evidence": "" } ],
                  "count": "1",
                  "solution": "<p>Set the header.</p>",
                  "cweid": "693",
                  "wascid": "15",
                  "sourceid": "3"
                },
                {
                  "pluginid": "10096",
                  "alert": "Timestamp Disclosure - Unix",
                  "riskcode": "1",
                  "confidence": "1",
                  "riskdesc": "Low (Low)",
                  "instances": [ { "uri": "http://127.0.0.1:3000/health", "method": "GET" }, { "uri": "http://127.0.0.1:3000/v1/router/health", "method": "GET" } ],
                  "count": "2"
                },
                {
                  "pluginid": "10049",
                  "alert": "Storable and Cacheable Content",
                  "riskcode": "0",
                  "riskdesc": "Informational (Medium)",
                  "instances": [],
                  "count": "0"
                }
              ]
            }
          ]
        }
        """;
}
