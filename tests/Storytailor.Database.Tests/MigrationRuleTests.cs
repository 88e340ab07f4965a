using Storytailor.Database;

namespace Storytailor.Database.Tests;

public class MigrationRuleTests
{
    private static IReadOnlyList<MigrationFile> Files(TemporaryApp app) => MigrationFiles.List(app.PathOf("supabase/migrations"));

    [Test]
    public void Fixture_names_pass()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        var outcome = MigrationFiles.CheckNaming(Files(app));
        Assert.That(outcome.Status, Is.EqualTo(CheckStatus.Passed), string.Join('\n', outcome.Failures));
    }

    [TestCase("2024030100_short.sql", "file name must be")]
    [TestCase("20240301000000_Mixed Case.sql", "file name must be")]
    [TestCase("20241399000000_bad_month.sql", "not a valid yyyyMMddHHmmss")]
    [TestCase("20240301000100_same_version.sql", "is not after the previous migration's 20240301000100")]
    public void Misnamed_or_out_of_order_migration_fails_naming_the_file(string fileName, string expected)
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        app.Write("supabase/migrations/" + fileName, "select 1;\n");
        var outcome = MigrationFiles.CheckNaming(Files(app));
        Assert.That(outcome.Status, Is.EqualTo(CheckStatus.Failed));
        Assert.That(outcome.Failures, Has.Some.Contains(fileName).And.Contains(expected));
    }

    [TestCase("drop table public.tales;", "DROP TABLE", 3)]
    [TestCase("alter table public.kids drop column birth_date;", "ALTER TABLE ... DROP COLUMN", 3)]
    [TestCase("alter table only public.kids add column x int, drop nickname;", "ALTER TABLE ... DROP COLUMN", 3)]
    [TestCase("truncate public.tales;", "TRUNCATE", 3)]
    [TestCase("delete from public.tales;", "DELETE without WHERE", 3)]
    [TestCase("drop schema app cascade;", "DROP SCHEMA", 3)]
    [TestCase("do $$ begin\n  drop table public.tales;\nend $$;", "DROP TABLE", 4)]
    public void Destructive_statement_without_allow_comment_fails_with_file_and_line(string statement, string kind, int line)
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        app.Write("supabase/migrations/20240302000000_cleanup.sql", "-- cleanup\nselect 1;\n" + statement + "\n");
        var outcome = MigrationValidator.CheckDestructive(Files(app));
        Assert.That(outcome.Status, Is.EqualTo(CheckStatus.Failed));
        Assert.That(outcome.Failures, Has.Exactly(1).Contains($"supabase/migrations/20240302000000_cleanup.sql:{line}: destructive statement ({kind})"));
    }

    [Test]
    public void Messages_name_the_migrations_folder_the_app_declares()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        app.Write("supabase/migrations/20240302000000_cleanup.sql", "drop table public.tales;\n");
        var files = MigrationFiles.List(app.PathOf("supabase/migrations"), "db/supabase/migrations");

        Assert.That(MigrationValidator.CheckDestructive(files).Failures, Has.Exactly(1).StartsWith("db/supabase/migrations/20240302000000_cleanup.sql:1: destructive statement"));
        Assert.That(MigrationFiles.CheckNaming([], "db/supabase/migrations").Failures, Is.EqualTo(new[] { "db/supabase/migrations: no migration files found" }));
    }

    [Test]
    public void Destructive_statement_with_allow_comment_and_reason_passes_and_is_reported()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        app.Write("supabase/migrations/20240302000000_cleanup.sql", "-- migration:allow-destructive tales moved to stories in 20240301000100\ndrop table public.tales;\n");
        var outcome = MigrationValidator.CheckDestructive(Files(app));
        Assert.That(outcome.Status, Is.EqualTo(CheckStatus.Passed));
        Assert.That(outcome.Note, Does.Contain("DROP TABLE (allowed: tales moved to stories"));
    }

    [Test]
    public void Allow_comment_without_reason_fails()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        app.Write("supabase/migrations/20240302000000_cleanup.sql", "-- migration:allow-destructive\ndrop table public.tales;\n");
        var outcome = MigrationValidator.CheckDestructive(Files(app));
        Assert.That(outcome.Failures, Has.Exactly(1).Contains("20240302000000_cleanup.sql: '-- migration:allow-destructive' needs a reason"));
    }

    [TestCase("-- drop table public.tales;\nselect 1;")]
    [TestCase("/* truncate public.tales; */ select 1;")]
    [TestCase("insert into public.tales (kid_id, body) values (1, 'then we drop table x; and delete from y;');")]
    [TestCase("delete from public.tales where kid_id = 1;")]
    [TestCase("alter table public.kids alter column birth_date drop not null, alter column nickname drop default;")]
    [TestCase("create function f() returns void language sql as $fn$ delete from public.tales t where t.id = 1 $fn$;")]
    public void Harmless_statements_are_not_reported(string sql) =>
        Assert.That(DestructiveStatements.Find(sql), Is.Empty);

    [Test]
    public void Example_app_migrations_have_no_unallowed_destructive_statements()
    {
        var files = MigrationFiles.List(Path.Combine(TestEnvironment.RepositoryRoot, "example", "supabase", "migrations"));
        Assert.That(files, Is.Not.Empty);
        Assert.That(MigrationValidator.CheckDestructive(files).Failures, Is.Empty);
        Assert.That(MigrationFiles.CheckNaming(files).Failures, Is.Empty);
    }

    [TestCase("'false'::boolean", "false")]
    [TestCase("false", "FALSE")]
    [TestCase("('private'::text)", "private")]
    public void Equivalent_defaults_compare_equal(string actual, string declared) =>
        Assert.That(ComplianceChecker.NormalizeDefault(actual), Is.EqualTo(ComplianceChecker.NormalizeDefault(declared)));

    [Test]
    public void Second_push_that_applies_something_is_reported()
    {
        var command = new Storytailor.Core.CommandResult(0, string.Empty, string.Empty, TimeSpan.Zero);
        var second = new PushOutcome(true, false, ["20240301000200_erasure.sql"], [], "Finished supabase db push.", command);
        var outcome = MigrationValidator.JudgeSecondPush(second, ["1", "2"], ["1", "2", "3"]);
        Assert.That(outcome.Failures, Has.Some.Contains("was not a no-op: it applied 20240301000200_erasure.sql"));
        Assert.That(outcome.Failures, Has.Some.Contains("schema_migrations changed on the second push (2 → 3 versions)"));
    }
}
