namespace Storytailor.Build.Tests;

/// <summary>
/// Each Ci stage added after the npm stages, run alone (--exclusive) on a temporary copy of the
/// example with one planted fault: exit 1 and a message naming the stage and the cause.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
[Parallelizable(ParallelScope.Children)]
public sealed class CiStageFailureTests
{
    [Test]
    public void A_critical_advisory_fails_SecurityAudit_with_the_package_and_advisory()
    {
        using var advisories = new AdvisoryStandIn(AdvisoryStandIn.Mode.CriticalAdvisory);
        using var app = new AppCopy();

        var run = app.Run("SecurityAudit", $"--audit-registry={advisories.Url}");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("SecurityAudit failed").And.Contain("typescript").And.Contain("Planted critical advisory"));
    }

    [Test]
    public void An_audit_that_cannot_be_performed_fails_with_its_own_message()
    {
        using var advisories = new AdvisoryStandIn(AdvisoryStandIn.Mode.Refuse);
        using var app = new AppCopy();

        var run = app.Run("SecurityAudit", $"--audit-registry={advisories.Url}");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("SecurityAudit failed: npm audit could not run"));
    }

    [Test]
    public void A_planted_key_fails_SecretScan_with_file_and_line_but_not_the_key()
    {
        using var app = new AppCopy();
        const string key = "AKIAZ7QWERTYUIOP1234";
        File.AppendAllText(app.File("packages/router/src/handler.ts"), $"\nexport const awsKey = \"{key}\";\n");

        var run = app.Run("SecretScan");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("SecretScan failed").And.Contain("packages/router/src/handler.ts:"));
        Assert.That(run.Output, Does.Not.Contain(key));
    }

    [Test]
    public void Unformatted_Terraform_fails_TerraformValidate_naming_the_file()
    {
        using var app = new AppCopy();
        File.AppendAllText(app.File("infrastructure/terraform/main.tf"), "\nlocals {\n      badly_indented =    1\n}\n");

        var run = app.Run("TerraformValidate");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("TerraformValidate failed").And.Contain("main.tf"));
    }

    [Test]
    public void Invalid_Terraform_fails_TerraformValidate_with_file_and_line()
    {
        using var app = new AppCopy();
        File.AppendAllText(app.File("infrastructure/terraform/main.tf"), "\nresource \"terraform_data\" \"broken\" {\n  bogus_argument = 1\n}\n");

        var run = app.Run("TerraformValidate");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("TerraformValidate failed").And.Match(@"main\.tf:\d+"));
    }

    [TestCase("destructive", "20990101000000_drop_stories.sql", "drop table public.stories;\n", "destructive")]
    [TestCase("missing RLS", "20990101000000_audit_log.sql", "create table public.audit_log (id bigint primary key, note text);\n", "rls-enabled")]
    [TestCase("personal column", "20990101000000_phone.sql", "alter table public.users add column phone_number text;\n", "personal-columns-inventoried")]
    [TestCase("privacy default", "20990101000000_share.sql", "alter table public.user_settings alter column data_sharing set default true;\n", "privacy-by-default")]
    public void A_bad_migration_fails_Database_naming_the_rule(string fault, string file, string sql, string rule)
    {
        using var app = new AppCopy();
        File.WriteAllText(app.File($"supabase/migrations/{file}"), sql);

        var run = app.Run("Database");

        Assert.That(run.ExitCode, Is.EqualTo(1), $"{fault}: {run}");
        Assert.That(run.Output, Does.Contain("Database failed").And.Contain(rule), fault);
    }

    [Test]
    public void An_erasure_function_that_leaves_rows_fails_Database_naming_the_rule()
    {
        using var app = new AppCopy();
        File.WriteAllText(
            app.File("supabase/migrations/20990101000000_weaker_erasure.sql"),
            "create or replace function public.erase_user(p_user_id uuid) returns integer\n" +
            "language sql security definer set search_path = public as $$ select 0; $$;\n");

        var run = app.Run("Database");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("Database failed").And.Contain("right-to-erasure"));
    }

    [Test]
    public void Editing_a_migration_that_is_on_the_default_branch_fails_Database_naming_the_file()
    {
        using var app = new AppCopy();
        app.Git("init", "-q", "-b", "main");
        app.Git("add", "-A");
        app.Git("-c", "user.name=ci", "-c", "user.email=ci@example.invalid", "commit", "-q", "-m", "published");
        app.Git("checkout", "-q", "-b", "feature");
        var migration = Directory.GetFiles(app.File("supabase/migrations"), "*.sql").Order(StringComparer.Ordinal).First();
        File.AppendAllText(migration, "\ncomment on table public.users is 'edited after publishing';\n");

        var run = app.Run("Database", "--default-branch=main");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("Database failed").And.Contain(Path.GetFileName(migration)));
    }

    [Test]
    public void A_tracking_sdk_in_a_child_facing_package_fails_Database_naming_the_package()
    {
        using var app = new AppCopy();
        var manifest = app.File("packages/router/package.json");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"dependencies\": {", "\"dependencies\": {\n    \"mixpanel\": \"^0.18.0\",", StringComparison.Ordinal));

        var run = app.Run("Database");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("Database failed").And.Contain("mixpanel"));
    }

    /// <summary>A copy of the example app's sources (no installed dependencies) in a temporary folder.</summary>
    private sealed class AppCopy : IDisposable
    {
        private readonly TemporaryFolder _folder = new("storytailor-stage-");

        public AppCopy()
        {
            var copy = BuildProgram.Start("cp", ["-a", BuildProgram.ExampleApp, Root], BuildProgram.RepositoryRoot, null);
            Assert.That(copy.ExitCode, Is.EqualTo(0), copy.ToString());
            foreach (var generated in new[] { "node_modules", "coverage", ".tsc-test" })
            {
                var path = System.IO.Path.Combine(Root, generated);
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }
            }
        }

        public string Root => System.IO.Path.Combine(_folder.Path, "app");

        public string File(string relative) => System.IO.Path.Combine(Root, relative);

        public BuildRun Run(string stage, params string[] extra) => BuildProgram.Run(
            BuildProgram.RepositoryRoot,
            new Dictionary<string, string?> { ["SNYK_TOKEN"] = null },
            [$"--target={stage}", "--exclusive", $"--app-root={Root}", $"--artifacts={_folder.Path}/artifacts", $"--cache-dir={_folder.Path}/cache", .. extra]);

        public void Git(params string[] args)
        {
            var run = BuildProgram.Start("git", args, Root, null);
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        }

        public void Dispose() => _folder.Dispose();
    }
}
