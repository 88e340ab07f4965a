using System.Text.Json.Nodes;

namespace Storytailor.Build.Tests;

/// <summary>./build.sh --target=Ci on temporary copies of the example app, passing and in each failure mode.</summary>
[TestFixture]
[Category("EndToEnd")]
[NonParallelizable]
public sealed class CiEndToEndTests
{
    private const string Canary = "canary-8e2d7c41-openai-key";

    private TemporaryFolder _workspace = null!;
    private AdvisoryStandIn _advisories = null!;
    private string _installedApp = null!;
    private BuildRun _passing = null!;
    private string _passingArtifacts = null!;
    private string _cache = null!;

    [OneTimeSetUp]
    public void RunCiOnACleanCopyOfTheExample()
    {
        _workspace = new TemporaryFolder("storytailor-ci-");
        _advisories = new AdvisoryStandIn();
        _installedApp = CopyExample("passing");

        // The app's test script prints a secret and writes it into a coverage file: both must come out masked.
        var manifestPath = Path.Combine(_installedApp, "package.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        var test = manifest["scripts"]!["test"]!.GetValue<string>();
        manifest["scripts"]!["test"] =
            "node -e \"console.log('leaking ' + process.env.OPENAI_API_KEY)\" && " + test +
            " && node -e \"require('fs').appendFileSync('coverage/lcov.info', '# ' + process.env.OPENAI_API_KEY + '\\n')\"";
        File.WriteAllText(manifestPath, manifest.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");

        _passingArtifacts = Path.Combine(_workspace.Path, "passing-artifacts");
        _cache = Path.Combine(_workspace.Path, "cache");
        _passing = BuildProgram.Run(
            BuildProgram.RepositoryRoot,
            new Dictionary<string, string?> { ["OPENAI_API_KEY"] = Canary, ["SNYK_TOKEN"] = null },
            "--target=Ci", $"--app-root={_installedApp}", $"--artifacts={_passingArtifacts}", $"--audit-registry={_advisories.Url}", $"--cache-dir={_cache}",
            "--baseline-p95-limit=60000"); // this test is about Ci passing, not the machine's speed: the baseline's gate has its own tests
    }

    [OneTimeTearDown]
    public void DeleteCopies()
    {
        _advisories.Dispose();
        _workspace.Dispose();
    }

    [Test]
    public void Ci_passes_on_the_example_and_prints_the_task_report()
    {
        Assert.That(_passing.ExitCode, Is.EqualTo(0), _passing.ToString());
        foreach (var stage in new[] { "Preflight", "Restore", "Lint", "Typecheck", "FormatCheck", "UnitTests", "SecurityAudit", "SecretScan", "Compile", "Package", "TerraformValidate", "Database", "PerformanceBaseline", "Ci" })
        {
            Assert.That(_passing.Output, Does.Match($@"{stage}\s+\d\d:\d\d:\d\d\.\d+\s+Succeeded"), stage);
        }

        Assert.That(_passing.Output, Does.Match(@"Coverage lines\s+\d+\.\d\d%\s+required 90%\s+ok"));
        Assert.That(File.Exists(Path.Combine(_passingArtifacts, "coverage", "coverage-summary.json")));
        Assert.That(File.Exists(Path.Combine(_passingArtifacts, "coverage", "lcov.info")));
        Assert.That(File.Exists(Path.Combine(_passingArtifacts, "manifest.json")));
        Assert.That(File.Exists(Path.Combine(_passingArtifacts, "compliance.json")));
        Assert.That(_passing.Output, Does.Match(@"SnykScan\s+-\s+Skipped\s+SNYK_TOKEN is not set"));
        Assert.That(_passing.Output, Does.Match(@"PublishArtifacts\s+-\s+Skipped\s+not publishing").And.Contain("Skipped PublishArtifacts: not publishing: --publish-artifacts is not set"), "no AWS needed without --publish-artifacts");
        Assert.That(_advisories.Requests, Is.GreaterThan(0), "npm audit asked the advisory endpoint");
    }

    [Test]
    public void A_secret_in_the_environment_appears_nowhere_in_the_log_or_the_artifacts()
    {
        Assert.That(_passing.Output, Does.Contain("leaking ***"), "the planted line was printed, masked");
        Assert.That(_passing.Output, Does.Not.Contain(Canary));
        var files = Directory.GetFiles(_passingArtifacts, "*", SearchOption.AllDirectories);
        Assert.That(files, Is.Not.Empty);
        foreach (var file in files)
        {
            Assert.That(File.ReadAllText(file), Does.Not.Contain(Canary), file);
        }

        Assert.That(File.ReadAllText(Path.Combine(_passingArtifacts, "coverage", "lcov.info")), Does.Contain("# ***"));
    }

    [TestCase("lint", "Lint failed: npm run lint exited with code 1")]
    [TestCase("type", "Typecheck failed: npm run typecheck exited with code")]
    [TestCase("format", "FormatCheck failed: npm run format:check exited with code 1")]
    [TestCase("test", "UnitTests failed: npm run test exited with code 1")]
    public void Ci_fails_with_exit_1_naming_the_stage_and_the_cause(string fault, string message)
    {
        var app = CopyInstalledApp(fault);
        var handler = Path.Combine(app, "packages", "router", "src", "handler.ts");
        switch (fault)
        {
            case "lint":
                File.AppendAllText(handler, "var unusedLintVar = 1;\n");
                break;
            case "type":
                File.AppendAllText(handler, "export const typeError: number = \"not a number\";\n");
                break;
            case "format":
                File.AppendAllText(handler, "export const   badlyFormatted   =  1\n");
                break;
            case "test":
                File.AppendAllText(
                    Path.Combine(app, "packages", "router", "src", "router.test.ts"),
                    "it(\"deliberately fails\", () => {\n  expect(1).toBe(2);\n});\n");
                break;
        }

        var run = RunCi(app);

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain(message));
    }

    [Test]
    public void Ci_fails_when_coverage_is_below_the_threshold_showing_actual_and_required()
    {
        var app = CopyInstalledApp("coverage");

        var run = RunCi(app, "--coverage-threshold=99.99");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("UnitTests failed: coverage below the threshold:").And.Contain("(required 99.99%)"));
    }

    [Test]
    public void Skip_tests_with_a_reason_skips_the_unit_tests_and_the_report_says_why()
    {
        var app = CopyInstalledApp("skip");

        var run = RunCi(app, "--skip-tests", "--reason=hotfix for incident 42");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("--skip-tests: hotfix for incident 42"));
        Assert.That(run.Output, Does.Contain("Skipped by --skip"), "Restore was skipped with --skip");
    }

    [Test]
    public void A_rerun_with_nothing_changed_skips_every_stage_as_cached_and_a_change_or_no_cache_runs_again()
    {
        Assume.That(_passing.ExitCode, Is.EqualTo(0), "needs the passing run");
        BuildRun Rerun(params string[] extra) => BuildProgram.Run(
            BuildProgram.RepositoryRoot,
            new Dictionary<string, string?> { ["OPENAI_API_KEY"] = Canary, ["SNYK_TOKEN"] = null },
            ["--target=Ci", $"--app-root={_installedApp}", $"--artifacts={_passingArtifacts}", $"--audit-registry={_advisories.Url}", $"--cache-dir={_cache}", "--baseline-p95-limit=60000", .. extra]);

        var unchanged = Rerun();

        Assert.That(unchanged.ExitCode, Is.EqualTo(0), unchanged.ToString());
        foreach (var stage in new[] { "Restore", "Lint", "Typecheck", "FormatCheck", "UnitTests", "SecurityAudit", "SecretScan", "Compile", "Package", "TerraformValidate", "Database", "PerformanceBaseline" })
        {
            Assert.That(unchanged.Output, Does.Match($@"{stage}\s+-\s+Skipped\s+cached \(key [0-9a-f]{{12}}\)"), stage);
        }

        // A cached stage asked for directly is a success, and its dry run lists every stage with what it would do.
        var direct = BuildProgram.Run(
            BuildProgram.RepositoryRoot,
            new Dictionary<string, string?> { ["SNYK_TOKEN"] = null },
            "--target=Typecheck", $"--app-root={_installedApp}", $"--artifacts={_passingArtifacts}", $"--cache-dir={_cache}");
        var plan = Rerun("--dryrun");

        Assert.That(direct.ExitCode, Is.EqualTo(0), direct.ToString());
        Assert.That(direct.Output, Does.Match(@"Typecheck\s+-\s+Skipped\s+cached \(key [0-9a-f]{12}\)"));
        Assert.That(direct.Output, Does.Not.Contain("Could not reach target"));
        Assert.That(plan.ExitCode, Is.EqualTo(0), plan.ToString());
        Assert.That(plan.Output, Does.Match(@"\d+\. Lint: would be skipped, cached \(key [0-9a-f]{12}\)"));
        Assert.That(plan.Output, Does.Match(@"\d+\. SnykScan: would be skipped, SNYK_TOKEN is not set"));
        Assert.That(plan.Output, Does.Match(@"\d+\. Ci\b"));

        File.AppendAllText(Path.Combine(_installedApp, "packages", "router", "src", "handler.ts"), "// a change\n");
        var changed = Rerun("--target=Lint", "--exclusive");
        var forced = Rerun("--target=TerraformValidate", "--exclusive", "--no-cache");

        Assert.That(changed.ExitCode, Is.EqualTo(0), changed.ToString());
        Assert.That(changed.Output, Does.Match(@"Lint\s+\d\d:\d\d:\d\d\.\d+\s+Succeeded"));
        Assert.That(forced.ExitCode, Is.EqualTo(0), forced.ToString());
        Assert.That(forced.Output, Does.Match(@"TerraformValidate\s+\d\d:\d\d:\d\d\.\d+\s+Succeeded"));
    }

    private BuildRun RunCi(string app, params string[] extra) =>
        BuildProgram.Run(
            BuildProgram.RepositoryRoot,
            new Dictionary<string, string?> { ["SNYK_TOKEN"] = null },
            ["--target=Ci", "--skip=Restore", $"--app-root={app}", $"--artifacts={app}-artifacts", $"--audit-registry={_advisories.Url}", $"--cache-dir={_cache}", .. extra]);

    private string CopyExample(string name)
    {
        var target = Path.Combine(_workspace.Path, name);
        Copy(BuildProgram.ExampleApp, target);
        foreach (var generated in new[] { "node_modules", "coverage" })
        {
            DeleteIfPresent(Path.Combine(target, generated));
        }

        foreach (var package in Directory.GetDirectories(Path.Combine(target, "packages")))
        {
            DeleteIfPresent(Path.Combine(package, "dist"));
            DeleteIfPresent(Path.Combine(package, ".tsc-test"));
            DeleteIfPresent(Path.Combine(package, "node_modules"));
        }

        return target;
    }

    /// <summary>A copy of the app installed by the passing run, with node_modules, so failure cases skip npm ci.</summary>
    private string CopyInstalledApp(string name)
    {
        Assume.That(_passing.ExitCode, Is.EqualTo(0), "the passing Ci run installs the dependencies these cases reuse");
        var target = Path.Combine(_workspace.Path, name);
        Copy(_installedApp, target);
        return target;
    }

    private static void Copy(string source, string target)
    {
        var run = BuildProgram.Start("cp", ["-a", source, target], BuildProgram.RepositoryRoot, null);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
    }

    private static void DeleteIfPresent(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}
