using Storytailor.Checks.Security;

namespace Storytailor.Checks.Tests;

/// <summary>Snyk against a stand-in CLI: a script that prints Snyk-format JSON and exits like Snyk (0 clean, 1 issues, 2 failure).</summary>
[TestFixture]
public sealed class SnykScanTests
{
    private const string Token = "snyk-test-token-0123456789";

    private const string IssuesJson = """
        {"vulnerabilities":[
          {"id":"SNYK-JS-MINIMIST-2429795","title":"Prototype Pollution","severity":"critical","packageName":"minimist","version":"1.2.5","isUpgradable":true,"isPatchable":false,"from":["app@1.0.0","minimist@1.2.5"]},
          {"id":"SNYK-JS-MINIMIST-2429795","title":"Prototype Pollution","severity":"critical","packageName":"minimist","version":"1.2.5","isUpgradable":true,"isPatchable":false,"from":["app@1.0.0","other@1.0.0","minimist@1.2.5"]},
          {"id":"SNYK-JS-LODASH-1018905","title":"Regular Expression Denial of Service (ReDoS)","severity":"medium","packageName":"lodash","version":"4.17.20","isUpgradable":false,"isPatchable":true}
        ],"ok":false,"dependencyCount":2,"packageManager":"npm","summary":"2 vulnerable dependency paths","uniqueCount":2}
        """;

    private const string LowOnlyJson = """
        {"vulnerabilities":[{"id":"SNYK-JS-X-1","title":"Information Exposure","severity":"low","packageName":"x","version":"1.0.0","isUpgradable":false,"isPatchable":false}],"ok":false,"dependencyCount":1}
        """;

    private TempFolder _folder = null!;
    private ServiceKit _kit = null!;

    [SetUp]
    public void SetUp()
    {
        _folder = new TempFolder();
        _kit = new ServiceKit();
    }

    [TearDown]
    public void TearDown() => _folder.Dispose();

    private string StandInCli(string json, int exitCode)
    {
        _folder.Write("answer.json", json);
        var script = _folder.Write("snyk", $"""
            #!/bin/sh
            echo "$@" > "{_folder.Path}/arguments.txt"
            echo "$SNYK_TOKEN" > "{_folder.Path}/token.txt"
            cat "{_folder.Path}/answer.json"
            exit {exitCode}
            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }

    private Task<SnykResult> ScanAsync(string executable, string? token = Token, Severity level = Severity.High) =>
        new SnykScan(_kit.Runner, _kit.Redactor, _kit.Log).RunAsync(new SnykSettings(_folder.Path, token) { Executable = executable, FailLevel = level });

    [Test]
    public async Task StandIn_clean_result_passes_and_receives_token_and_threshold()
    {
        var cli = StandInCli("""{"vulnerabilities":[],"ok":true,"dependencyCount":3}""", 0);

        var result = await ScanAsync(cli);

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Passed), result.Message);
        Assert.That(File.ReadAllText(Path.Combine(_folder.Path, "arguments.txt")).Trim(), Is.EqualTo("test --json --severity-threshold=high"));
        Assert.That(File.ReadAllText(Path.Combine(_folder.Path, "token.txt")).Trim(), Is.EqualTo(Token));
    }

    [Test]
    public async Task StandIn_critical_issue_fails_with_table_and_duplicates_collapsed()
    {
        var cli = StandInCli(IssuesJson, 1);

        var result = await ScanAsync(cli);

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Failed));
        Assert.That(result.Message, Does.StartWith("Snyk found 1 issue(s) at or above 'high'"));
        Assert.That(result.Message, Does.Contain("minimist@1.2.5").And.Contain("critical").And.Contain("Prototype Pollution")
            .And.Contain("https://security.snyk.io/vuln/SNYK-JS-MINIMIST-2429795").And.Contain("upgrade"));
        Assert.That(result.Message, Does.Not.Contain("lodash"), "medium is below the high level");
        Assert.That(result.Issues, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task StandIn_medium_issue_fails_at_moderate_level()
    {
        var cli = StandInCli(IssuesJson, 1);

        var result = await ScanAsync(cli, level: Severity.Moderate);

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Failed));
        Assert.That(result.Message, Does.Contain("lodash@4.17.20").And.Contain("patch"));
        Assert.That(File.ReadAllText(Path.Combine(_folder.Path, "arguments.txt")), Does.Contain("--severity-threshold=medium"));
    }

    [Test]
    public async Task StandIn_issues_below_level_pass()
    {
        var cli = StandInCli(LowOnlyJson, 1);

        var result = await ScanAsync(cli);

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Passed), result.Message);
        Assert.That(result.Message, Does.Contain("1 below it"));
    }

    [Test]
    public async Task StandIn_failure_exit_2_with_error_json_is_could_not_run()
    {
        var cli = StandInCli("""{"ok":false,"error":"Authentication failed. Please check the API token on https://snyk.io","path":"/app"}""", 2);

        var result = await ScanAsync(cli);

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Failed));
        Assert.That(result.Message, Does.StartWith("Snyk could not run:").And.Contain("Authentication failed"));
    }

    [Test]
    public async Task StandIn_token_never_appears_in_the_log()
    {
        var cli = StandInCli($$"""{"ok":false,"error":"token {{Token}} rejected"}""", 2);

        var result = await ScanAsync(cli);

        Assert.That(result.Message, Does.Not.Contain(Token));
        Assert.That(_kit.Log.Text, Does.Not.Contain(Token));
    }

    [Test]
    public async Task Missing_executable_is_could_not_run()
    {
        var result = await ScanAsync(Path.Combine(_folder.Path, "no-such-snyk"));

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Failed));
        Assert.That(result.Message, Does.StartWith("Snyk could not run:").And.Contain("could not be started"));
    }

    [Test]
    public async Task Without_token_the_stage_is_skipped_and_says_why()
    {
        var cli = StandInCli("{}", 0);

        var result = await ScanAsync(cli, token: null);

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Skipped));
        Assert.That(result.Message, Is.EqualTo("skipped: SNYK_TOKEN is not set"));
        Assert.That(File.Exists(Path.Combine(_folder.Path, "arguments.txt")), Is.False, "the CLI must not run without a token");
    }
}
