namespace Storytailor.Build.Tests;

/// <summary>
/// Ci on a monorepo of another shape than example/ (tests/fixtures/bookshelf: services/ and libs/, three Lambdas and
/// a library they import, tests in their own folders, its own npm scripts, folders, routes and Terraform contract, all
/// declared in its storytailor.yml): the whole of Ci passes, a rerun is fully cached, and a fault seeded in a copy of
/// the installed app fails its stage (run alone, so one npm ci serves every case).
/// </summary>
[TestFixture]
[Category("EndToEnd")]
[Parallelizable(ParallelScope.Children)]
public sealed class FixtureAppCiTests
{
    private static readonly string Fixture = Path.Combine(BuildProgram.RepositoryRoot, "tests", "fixtures", "bookshelf");

    private TemporaryFolder _workspace = null!;
    private AdvisoryStandIn _advisories = null!;
    private string _app = null!;
    private string _artifacts = null!;
    private BuildRun _first = null!;
    private BuildRun _rerun = null!;

    [OneTimeSetUp]
    public void RunCiTwice()
    {
        _workspace = new TemporaryFolder("bookshelf-ci-");
        _advisories = new AdvisoryStandIn();
        _app = Path.Combine(_workspace.Path, "app");
        Copy(Fixture, _app);
        foreach (var generated in new[] { "node_modules", "reports", "libs/http-kit/dist", "services/catalog/dist", "services/orders/dist", "services/notify/dist" })
        {
            var path = Path.Combine(_app, generated);
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }

        _artifacts = Path.Combine(_workspace.Path, "artifacts");
        string[] arguments =
        [
            "--target=Ci", $"--app-root={_app}", $"--artifacts={_artifacts}", $"--cache-dir={Path.Combine(_workspace.Path, "cache")}",
            $"--audit-registry={_advisories.Url}", "--baseline-duration=3", "--baseline-p95-limit=60000",
        ];
        _first = BuildProgram.Run(BuildProgram.RepositoryRoot, new Dictionary<string, string?> { ["SNYK_TOKEN"] = null }, arguments);
        _rerun = BuildProgram.Run(BuildProgram.RepositoryRoot, new Dictionary<string, string?> { ["SNYK_TOKEN"] = null }, arguments);
    }

    [OneTimeTearDown]
    public void DeleteCopies()
    {
        _advisories.Dispose();
        _workspace.Dispose();
    }

    [Test]
    public void Ci_passes_every_stage_on_the_fixture_with_what_its_description_declares()
    {
        Assert.That(_first.ExitCode, Is.EqualTo(0), _first.ToString());
        foreach (var stage in new[] { "Restore", "Lint", "Typecheck", "FormatCheck", "UnitTests", "SecurityAudit", "SecretScan", "Compile", "Package", "TerraformValidate", "Database", "PerformanceBaseline", "Ci" })
        {
            Assert.That(_first.Output, Does.Match($@"{stage}\s+\d\d:\d\d:\d\d\.\d+\s+Succeeded"), stage);
        }

        Assert.That(_first.Output, Does.Contain("bookshelf@2.3.0 check:lint").And.Contain("bookshelf@2.3.0 check:types").And.Contain("bookshelf@2.3.0 test:unit"), "the npm scripts the description names");
        Assert.That(_first.Output, Does.Match(@"Coverage \(merged\) lines\s+\d+\.\d\d%\s+required 90%\s+ok"));
        Assert.That(_first.Output, Does.Match(@"reports/libs/coverage-summary.json branches\s+\d+\.\d\d%\s+required 95%\s+ok"));
        Assert.That(File.Exists(Path.Combine(_artifacts, "coverage", "reports", "services", "coverage-summary.json")));
        Assert.That(File.Exists(Path.Combine(_artifacts, "coverage", "reports", "libs", "coverage-summary.json")));
        Assert.That(_first.Output, Does.Contain("right-to-erasure: Passed").And.Contain("public.families, public.readers, public.loans"));
        Assert.That(_first.Output, Does.Contain("Started catalog").And.Contain("Started orders").And.Contain("Started notify"));
        Assert.That(_first.Output, Does.Match(@"finished: \d+ requests, 0 errors"), "every request of the mix reached the service of its route, the order with the key");
    }

    [Test]
    public void The_three_services_are_packaged_and_the_library_is_not()
    {
        Assert.That(_first.ExitCode, Is.EqualTo(0), _first.ToString());
        var zips = Directory.GetFiles(Path.Combine(_artifacts, "packages")).Select(Path.GetFileName);

        Assert.That(zips, Is.EquivalentTo(new[] { "bookshelf-catalog-2.3.0.zip", "bookshelf-orders-2.3.0.zip", "bookshelf-notify-2.3.0.zip" }));
        Assert.That(File.ReadAllText(Path.Combine(_artifacts, "manifest.json")), Does.Not.Contain("\"name\": \"@bookshelf/http-kit\""));
    }

    [Test]
    public void A_rerun_with_nothing_changed_is_fully_cached()
    {
        Assert.That(_rerun.ExitCode, Is.EqualTo(0), _rerun.ToString());
        foreach (var stage in new[] { "Restore", "Lint", "Typecheck", "FormatCheck", "UnitTests", "SecurityAudit", "SecretScan", "Compile", "Package", "TerraformValidate", "Database", "PerformanceBaseline" })
        {
            Assert.That(_rerun.Output, Does.Match($@"{stage}\s+-\s+Skipped\s+cached \(key [0-9a-f]{{12}}\)"), stage);
        }
    }

    [TestCase("Lint", "services/catalog/src/handler.ts", "\nexport const loose = (x: unknown) => x == null;\n", "Lint failed: npm run check:lint exited with code 1")]
    [TestCase("Typecheck", "services/orders/src/handler.ts", "\nexport const count: number = \"three\";\n", "Typecheck failed: npm run check:types exited with code")]
    [TestCase("FormatCheck", "services/notify/src/handler.ts", "\nexport   const   spaced   =   1\n", "FormatCheck failed: npm run check:format exited with code 1")]
    [TestCase("UnitTests", "services/catalog/test/handler.test.ts", "\nit(\"counts every book\", () => expect(1).toBe(2));\n", "UnitTests failed: npm run test:unit exited with code 1")]
    [TestCase("UnitTests", "libs/http-kit/src/index.ts", "\nexport function untested(a: number): number {\n  if (a > 1) {\n    return a * 2;\n  }\n\n  return a - 1;\n}\n", "reports/libs/coverage-summary.json below its threshold")]
    [TestCase("Database", "db/supabase/migrations/20990101000000_drop_loans.sql", "drop table public.loans;\n", "destructive")]
    [TestCase("Database", "db/supabase/migrations/20990101000000_audit.sql", "create table public.audit (id bigint primary key, note text);\n", "rls-enabled: table public.audit")]
    [TestCase("Database", "db/supabase/migrations/20990101000000_phone.sql", "alter table public.families add column phone_number text;\n", "column public.families.phone_number looks personal but is not in privacy/inventory.yml")]
    [TestCase("SecretScan", "services/notify/src/handler.ts", "\nexport const awsKey = \"AKIAZ7QWERTYUIOP1234\";\n", "services/notify/src/handler.ts:")]
    [TestCase("TerraformValidate", "deploy/terraform/main.tf", "\nresource \"terraform_data\" \"broken\" {\n  bogus_argument = 1\n}\n", "main.tf:65:3: error: Unsupported argument")]
    public void A_seeded_fault_fails_its_stage(string stage, string file, string text, string message)
    {
        using var copy = InstalledCopy();
        var path = Path.Combine(copy.Path, "app", file);
        File.AppendAllText(path, text);

        var run = RunStage(copy.Path, stage);

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain($"{stage} failed").And.Contain(message));
        Assert.That(run.Output, Does.Not.Contain("AKIAZ7QWERTYUIOP1234"));
    }

    [Test]
    public void A_slow_route_fails_the_performance_baseline_gate()
    {
        using var copy = InstalledCopy();
        var local = Path.Combine(copy.Path, "app", "services", "catalog", "dist", "local.js");
        File.WriteAllText(local, File.ReadAllText(local).Replace("serve(handle,", "serve((r) => new Promise((ok) => setTimeout(() => ok(handle(r)), 1200)),", StringComparison.Ordinal));

        var run = RunStage(copy.Path, "PerformanceBaseline", "--baseline-duration=2");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("PerformanceBaseline failed").And.Contain("http_req_duration: p(95)<800 FAILED"));
    }

    /// <summary>A copy of the app Ci installed and built (node_modules, dist and all).</summary>
    private TemporaryFolder InstalledCopy()
    {
        Assert.That(_first.ExitCode, Is.EqualTo(0), "the installed app comes from the passing run");
        var folder = new TemporaryFolder("bookshelf-fault-");
        Copy(_app, Path.Combine(folder.Path, "app"));
        return folder;
    }

    private static BuildRun RunStage(string folder, string stage, params string[] extra) => BuildProgram.Run(
        BuildProgram.RepositoryRoot,
        new Dictionary<string, string?> { ["SNYK_TOKEN"] = null },
        [$"--target={stage}", "--exclusive", $"--app-root={Path.Combine(folder, "app")}", $"--artifacts={Path.Combine(folder, "artifacts")}", $"--cache-dir={Path.Combine(folder, "cache")}", .. extra]);

    private static void Copy(string source, string target)
    {
        var run = BuildProgram.Start("cp", ["-a", source, target], BuildProgram.RepositoryRoot, null);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
    }
}
