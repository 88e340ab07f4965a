using Storytailor.Checks.Security;

namespace Storytailor.Checks.Tests;

[TestFixture]
public sealed class NpmAuditTests
{
    private const string PackageJson = """{"name":"audit-probe","version":"1.0.0","dependencies":{"lodash":"4.17.20","minimist":"1.2.5"}}""";

    private const string Lockfile = """
        {"name":"audit-probe","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{
        "":{"name":"audit-probe","version":"1.0.0","dependencies":{"lodash":"4.17.20","minimist":"1.2.5"}},
        "node_modules/lodash":{"version":"4.17.20","resolved":"https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz","integrity":"sha512-PlhdFcillOINfeV7Ni6oF1TAEayyZBoZ8bcshTHqOYJYlrqzRK5hagpagky5o4HfCzzd1TRkXPMFq6cKk9rGmA=="},
        "node_modules/minimist":{"version":"1.2.5","resolved":"https://registry.npmjs.org/minimist/-/minimist-1.2.5.tgz","integrity":"sha512-FM9nNUYrRBAELZQT3xeZQ7fmMOBg6nWNmJKTcgsJeaLstP/UODVpGsr5OhXhhXg6f+qtJ8uiZ+PUxkDWcgIXLw=="}}}
        """;

    // The bulk advisory answer as registry.npmjs.org gives it: package name → advisories affecting the posted versions.
    private const string ModerateAnswer = """
        {"minimist":[{"id":1179,"url":"https://github.com/advisories/GHSA-vh95-rmgr-6w4m","title":"Prototype Pollution in minimist","severity":"moderate","vulnerable_versions":"<1.2.6","cwe":["CWE-1321"],"cvss":{"score":5.6,"vectorString":"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L"}}]}
        """;

    private const string CriticalAnswer = """
        {"minimist":[{"id":1097677,"url":"https://github.com/advisories/GHSA-xvch-5gv4-984h","title":"Prototype Pollution in minimist","severity":"critical","vulnerable_versions":">=1.0.0 <1.2.6","cwe":["CWE-1321"],"cvss":{"score":9.8,"vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}]}
        """;

    private TempFolder _app = null!;
    private TempFolder _cache = null!;
    private ServiceKit _kit = null!;

    [SetUp]
    public void SetUp()
    {
        _app = new TempFolder();
        _cache = new TempFolder();
        _app.Write("package.json", PackageJson);
        _app.Write("package-lock.json", Lockfile);
        _kit = new ServiceKit();
    }

    [TearDown]
    public void TearDown()
    {
        _app.Dispose();
        _cache.Dispose();
    }

    private Task<NpmAuditResult> AuditAsync(AdvisoryStandIn registry, Severity level = Severity.High) =>
        new NpmAudit(_kit.Runner, _kit.Log).RunAsync(new NpmAuditSettings(_app.Path)
        {
            RegistryUrl = registry.Url,
            FailLevel = level,
            NpmCacheFolder = _cache.Path,
        });

    [Test]
    public async Task Clean_audit_passes_and_npm_posted_the_lockfile_versions()
    {
        using var registry = new AdvisoryStandIn("{}");

        var result = await AuditAsync(registry);

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Passed), result.Message);
        Assert.That(result.Report!.Vulnerabilities, Is.Empty);
        Assert.That(registry.Requests, Does.Contain("POST /-/npm/v1/security/advisories/bulk"));
        Assert.That(registry.Bodies, Has.Some.Contains("\"lodash\":[\"4.17.20\"]").And.Some.Contains("\"minimist\":[\"1.2.5\"]"));
    }

    [Test]
    public async Task Moderate_vulnerability_passes_the_default_high_level_but_is_reported()
    {
        using var registry = new AdvisoryStandIn(ModerateAnswer);

        var result = await AuditAsync(registry);

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Passed), result.Message);
        Assert.That(result.Report!.Vulnerabilities.Single().Severity, Is.EqualTo(Severity.Moderate));
        Assert.That(result.Message, Does.Contain("1 moderate"));
    }

    [Test]
    public async Task Moderate_vulnerability_fails_when_the_level_is_moderate()
    {
        using var registry = new AdvisoryStandIn(ModerateAnswer);

        var result = await AuditAsync(registry, Severity.Moderate);

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Failed));
        Assert.That(result.Message, Does.Contain("minimist").And.Contain("moderate").And.Contain("Prototype Pollution in minimist"));
    }

    [Test]
    public async Task Critical_vulnerability_fails_with_a_table_naming_package_advisory_url_and_fix()
    {
        using var registry = new AdvisoryStandIn(CriticalAnswer);
        registry.Packuments["minimist"] = """
            {"name":"minimist","dist-tags":{"latest":"1.2.8"},"versions":{
            "1.2.5":{"name":"minimist","version":"1.2.5","dist":{"tarball":"http://127.0.0.1/minimist-1.2.5.tgz"}},
            "1.2.8":{"name":"minimist","version":"1.2.8","dist":{"tarball":"http://127.0.0.1/minimist-1.2.8.tgz"}}}}
            """;

        var result = await AuditAsync(registry);

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Failed));
        Assert.That(result.Message, Does.StartWith("npm audit found 1 vulnerable package(s) at or above 'high'"));
        Assert.That(result.Message, Does.Contain("package").And.Contain("fix available"));
        var row = result.Message.Split('\n').Single(l => l.StartsWith("minimist", StringComparison.Ordinal));
        Assert.That(row, Does.Contain("critical").And.Contain("Prototype Pollution in minimist")
            .And.Contain("https://github.com/advisories/GHSA-xvch-5gv4-984h").And.Contain("yes: minimist@1.2.8"));
        Assert.That(result.Blocking.Select(b => b.Package), Is.EqualTo(new[] { "minimist" }));
    }

    [Test]
    public async Task Registry_answering_405_is_an_audit_that_could_not_run_not_a_pass()
    {
        using var registry = new AdvisoryStandIn(string.Empty, status: 405);

        var result = await AuditAsync(registry);

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Failed));
        Assert.That(result.Message, Does.StartWith("npm audit could not run:").And.Contain("405 Method Not Allowed"));
        Assert.That(result.Report, Is.Null);
    }

    [Test]
    public async Task Unreachable_registry_is_an_audit_that_could_not_run()
    {
        var port = Shell.FreePort();

        var result = await new NpmAudit(_kit.Runner, _kit.Log).RunAsync(new NpmAuditSettings(_app.Path)
        {
            RegistryUrl = $"http://127.0.0.1:{port}/",
            NpmCacheFolder = _cache.Path,
        });

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Failed));
        Assert.That(result.Message, Does.StartWith("npm audit could not run:").And.Contain("ECONNREFUSED"));
    }

    [Test]
    public async Task Missing_lockfile_is_an_audit_that_could_not_run()
    {
        File.Delete(Path.Combine(_app.Path, "package-lock.json"));
        using var registry = new AdvisoryStandIn("{}");

        var result = await AuditAsync(registry);

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Failed));
        Assert.That(result.Message, Does.StartWith("npm audit could not run:").And.Contain("ENOLOCK"));
    }

    [Test]
    public void Error_json_of_npm_is_read_as_could_not_run()
    {
        const string json = """{"message":"405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk","statusCode":405,"error":{"summary":"","detail":""}}""";

        var reason = NpmAudit.Interpret(json, "npm error audit endpoint returned an error", 1, out var report);

        Assert.That(report, Is.Null);
        Assert.That(reason, Does.Contain("405 Method Not Allowed"));
    }

    [Test]
    public void Transitive_vulnerability_names_the_package_it_comes_through()
    {
        const string json = """
            {"auditReportVersion":2,"vulnerabilities":{"wrapper":{"name":"wrapper","severity":"high","isDirect":true,"via":["minimist"],"effects":[],"range":"*","nodes":["node_modules/wrapper"],"fixAvailable":true}},
             "metadata":{"vulnerabilities":{"info":0,"low":0,"moderate":0,"high":1,"critical":0,"total":1}}}
            """;

        NpmAudit.Interpret(json, string.Empty, 1, out var report);
        var result = new NpmAudit(new ServiceKit().Runner, new Storytailor.Core.RecordingLog()).Gate(report!, Severity.High);

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Failed));
        Assert.That(result.Message, Does.Contain("wrapper").And.Contain("via minimist").And.Contain("yes"));
    }
}
