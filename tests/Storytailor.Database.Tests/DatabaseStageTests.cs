using Storytailor.Core;
using Storytailor.Database;

namespace Storytailor.Database.Tests;

/// <summary>Migrations with the real Supabase CLI, and the compliance rules on the migrated schema.</summary>
[Category("EndToEnd")]
public class DatabaseStageTests : PostgresTestBase
{
    /// <summary>One push with the real CLI (the full validation is covered above), then the compliance rules.</summary>
    private async Task<ComplianceResult> MigrateAndCheckAsync(TemporaryApp app)
    {
        var database = await FreshDatabaseAsync();
        var push = await new SupabaseCli(Runner, TestEnvironment.SupabaseCli).PushAsync(app.Root, database, includeSeed: true);
        Assert.That(push.Succeeded, Is.True, push.Message);
        return await new ComplianceChecker().CheckAsync(app.Root, database);
    }

    private static CheckOutcome Rule(ComplianceResult result, string name) => result.Rules.Single(r => r.Name == name);

    [Test]
    public async Task Fixture_app_passes_every_check_and_the_second_push_is_a_no_op()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        var database = await FreshDatabaseAsync();
        var migrations = await new MigrationValidator(Runner, Log).ValidateAsync(new MigrationSettings(app.Root, TestEnvironment.SupabaseCli), database);
        var compliance = await new ComplianceChecker().CheckAsync(app.Root, database);
        Assert.That(migrations.Passed, Is.True, string.Join('\n', migrations.Failures));
        Assert.That(migrations.CliVersion, Does.StartWith("3."));
        Assert.That(migrations.AppliedVersions, Is.EqualTo(new[] { "20240301000000", "20240301000100", "20240301000200" }));
        Assert.That(migrations.Checks.Single(c => c.Name == MigrationValidator.SecondPushCheck).Status, Is.EqualTo(CheckStatus.Passed));
        Assert.That(migrations.Checks.Single(c => c.Name == PublishedMigrations.CheckName).Status, Is.EqualTo(CheckStatus.Skipped));
        Assert.That(compliance.Passed, Is.True, string.Join('\n', compliance.Failures));
        Assert.That(Rule(compliance, ComplianceChecker.ErasureRule).Note, Does.Contain("public.accounts, public.kids, public.tales"));
        Assert.That(Log.Text, Does.Not.Contain(Server.Url.Password!), "the database password never reaches the log");
    }

    [Test]
    public async Task Failing_migration_fails_the_push_with_the_cli_message()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        app.Write("supabase/migrations/20240302000000_broken.sql", "alter table public.nowhere add column x int;\n");
        var migrations = await new MigrationValidator(Runner, Log).ValidateAsync(new MigrationSettings(app.Root, TestEnvironment.SupabaseCli), await FreshDatabaseAsync());
        Assert.That(migrations.Passed, Is.False);
        Assert.That(migrations.Failures, Has.Some.Contains("supabase-db-push: supabase db push failed").And.Contains("relation \"public.nowhere\" does not exist"));
    }

    [Test]
    public async Task Missing_cli_is_a_failure_saying_how_to_install_it()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        var migrations = await new MigrationValidator(Runner, Log).ValidateAsync(new MigrationSettings(app.Root, app.PathOf("no-such-supabase")), await FreshDatabaseAsync());
        Assert.That(migrations.Failures, Has.Some.Contains("could not run: Supabase CLI not found").And.Contains("./build.sh --target=Tools"));
    }

    [Test]
    public async Task Table_without_row_level_security_fails()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        app.Write("supabase/migrations/20240302000000_badges.sql", "create table public.badges (id int primary key, label text);\n");
        var compliance = await MigrateAndCheckAsync(app);
        Assert.That(Rule(compliance, ComplianceChecker.RlsRule).Failures, Is.EqualTo(new[]
        {
            "rls-enabled: table public.badges has row-level security disabled (ALTER TABLE public.badges ENABLE ROW LEVEL SECURITY)",
        }));
    }

    [Test]
    public async Task Personal_column_missing_from_the_inventory_fails()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        app.Write("supabase/migrations/20240302000000_phone.sql", "alter table public.accounts add column phone_number text;\n");
        var compliance = await MigrateAndCheckAsync(app);
        Assert.That(Rule(compliance, ComplianceChecker.PersonalColumnsRule).Failures, Is.EqualTo(new[]
        {
            "personal-columns-inventoried: column public.accounts.phone_number looks personal but is not in compliance/data-inventory.yml",
        }));
    }

    [Test]
    public async Task Inventoried_column_or_table_missing_from_the_database_fails()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        app.Replace("compliance/data-inventory.yml", "      - { name: body, category: content, purpose: The story }",
            "      - { name: body, category: content, purpose: The story }\n      - { name: voice_clip, category: voice, purpose: Narration }\n  - name: public.drawings\n    purpose: Art\n    lawful_basis: consent\n    retention: 1 year");
        var compliance = await MigrateAndCheckAsync(app);
        Assert.That(Rule(compliance, ComplianceChecker.InventoryExistsRule).Failures, Is.EquivalentTo(new[]
        {
            "inventoried-columns-exist: column public.tales.voice_clip is in compliance/data-inventory.yml but not in the database",
            "inventoried-columns-exist: table public.drawings is in compliance/data-inventory.yml but not in the database",
        }));
    }

    [Test]
    public async Task Erasure_that_leaves_rows_fails_naming_the_tables()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        app.Write("supabase/migrations/20240302000000_lazy_erasure.sql",
            "create or replace function public.forget_account(p_id uuid) returns void language sql as $$\n  delete from public.tales t using public.kids k where t.kid_id = k.id and k.account_id = p_id;\n$$;\n");
        var compliance = await MigrateAndCheckAsync(app);
        var failures = Rule(compliance, ComplianceChecker.ErasureRule).Failures;
        Assert.That(failures, Has.Count.EqualTo(2));
        Assert.That(failures, Has.Some.Contains("left a row of the test user in public.accounts"));
        Assert.That(failures, Has.Some.Contains("left a row of the test user in public.kids"));
    }

    [Test]
    public async Task Erasure_test_rows_satisfy_check_unique_not_null_and_foreign_key_constraints()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        app.Write("supabase/migrations/20240302000000_constraints.sql", """
            create table public.themes (code text primary key check (code ~ '^[a-z]{3}$'), label text not null);
            alter table public.themes enable row level security;
            alter table public.kids add constraint kids_nickname_length check (char_length(nickname) <= 24);
            alter table public.kids add column status text not null check (status in ('active', 'paused'));
            alter table public.kids add column handle text not null unique check (char_length(handle) between 3 and 12);
            alter table public.kids add column age int not null check (age >= 13 and age < 18);
            alter table public.kids add column theme text not null references public.themes (code);
            """);

        var compliance = await MigrateAndCheckAsync(app);

        var erasure = Rule(compliance, ComplianceChecker.ErasureRule);
        Assert.That(erasure.Status, Is.EqualTo(CheckStatus.Passed), string.Join('\n', erasure.Failures));
        Assert.That(erasure.Note, Does.Contain("public.accounts, public.kids, public.tales").And.Contain("rows their foreign keys need in public.themes"));
    }

    [Test]
    public async Task A_constraint_no_generated_value_meets_names_the_table_and_constraint_and_a_declared_row_satisfies_it()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        app.Write("supabase/migrations/20240302000000_codes.sql", "alter table public.kids add constraint kids_nickname_code check (nickname ~ '^K[0-9]{3}$');\n");
        var database = await FreshDatabaseAsync();
        var push = await new SupabaseCli(Runner, TestEnvironment.SupabaseCli).PushAsync(app.Root, database, includeSeed: true);
        Assert.That(push.Succeeded, Is.True, push.Message);

        var generated = await new ComplianceChecker().CheckAsync(app.Root, database);
        var declared = await new ComplianceChecker
        {
            ErasureRows = new Dictionary<string, IReadOnlyDictionary<string, string>> { ["public.kids"] = new Dictionary<string, string> { ["nickname"] = "K123" } },
        }.CheckAsync(app.Root, database);

        Assert.That(Rule(generated, ComplianceChecker.ErasureRule).Failures, Has.Exactly(1)
            .Contains("could not run: could not insert a test row into public.kids").And.Contains("check constraint kids_nickname_code").And.Contains("erasure.rows"));
        Assert.That(Rule(declared, ComplianceChecker.ErasureRule).Status, Is.EqualTo(CheckStatus.Passed), string.Join('\n', declared.Failures));
    }

    [Test]
    public async Task Erasure_check_is_rolled_back()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        var database = await FreshDatabaseAsync();
        await new SupabaseCli(Runner, TestEnvironment.SupabaseCli).PushAsync(app.Root, database, includeSeed: true);
        var compliance = await new ComplianceChecker().CheckAsync(app.Root, database);
        Assert.That(compliance.Passed, Is.True, string.Join('\n', compliance.Failures));
        await using var connection = new Npgsql.NpgsqlConnection(database.ToConnectionString());
        await connection.OpenAsync();
        await using var count = new Npgsql.NpgsqlCommand("select (select count(*) from public.accounts) + (select count(*) from public.kids)", connection);
        Assert.That(await count.ExecuteScalarAsync(), Is.EqualTo(1L), "only the seeded account remains");
    }

    [Test]
    public async Task Missing_erasure_function_fails()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        app.Replace("compliance/data-inventory.yml", "function: public.forget_account", "function: public.erase_everything");
        var compliance = await MigrateAndCheckAsync(app);
        Assert.That(Rule(compliance, ComplianceChecker.ErasureRule).Failures, Has.Exactly(1).Contains("erasure function public.erase_everything named in compliance/data-inventory.yml does not exist"));
    }

    [Test]
    public void Direct_tracker_dependency_fails_naming_the_package()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        app.Replace("packages/story-app/package.json", "\"tiny-helper\": \"1.0.0\"", "\"tiny-helper\": \"1.0.0\",\n    \"@amplitude/analytics-node\": \"1.3.0\"");
        var outcome = TrackerDependencies.Check(app.Root, ["packages/story-app"], ["mixpanel", "@amplitude/*"]);
        Assert.That(outcome.Failures, Is.EqualTo(new[]
        {
            "no-trackers-in-child-facing-packages: packages/story-app depends on '@amplitude/analytics-node' (deny list: @amplitude/*) in packages/story-app/package.json",
        }));
    }

    [Test]
    public async Task Transitive_tracker_dependency_fails_with_the_chain()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        app.Replace("package-lock.json", "\"node_modules/left-pad\": { \"version\": \"1.3.0\" }",
            "\"node_modules/left-pad\": { \"version\": \"1.3.0\", \"dependencies\": { \"mixpanel\": \"0.18.0\" } },\n    \"node_modules/mixpanel\": { \"version\": \"0.18.0\" }");
        var compliance = await MigrateAndCheckAsync(app);
        Assert.That(Rule(compliance, TrackerDependencies.RuleName).Failures, Is.EqualTo(new[]
        {
            "no-trackers-in-child-facing-packages: packages/story-app pulls in 'mixpanel' (deny list: mixpanel) through packages/story-app → tiny-helper → left-pad → mixpanel (package-lock.json)",
        }));
    }

    [Test]
    public async Task Wrong_privacy_default_fails_naming_the_column()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        app.Write("supabase/migrations/20240302000000_share.sql", "alter table public.kids alter column share_location set default true;\n");
        var compliance = await MigrateAndCheckAsync(app);
        Assert.That(Rule(compliance, ComplianceChecker.PrivacyDefaultsRule).Failures, Is.EqualTo(new[]
        {
            "privacy-by-default: column public.kids.share_location defaults to 'true'; the inventory declares 'false'",
        }));
    }

    [Test]
    public async Task Whole_stage_writes_compliance_artifacts_and_stops_its_server()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        app.Write("supabase/migrations/20240302000000_badges.sql", "create table public.badges (id int primary key);\n");
        var artifacts = new ArtifactWriter(app.PathOf("artifacts"), Redactor);
        var result = await new DatabaseValidation(Runner, Log, Redactor, artifacts).RunAsync(new DatabaseValidationSettings(app.Root, TestEnvironment.SupabaseCli));
        Assert.That(result.Passed, Is.False);
        Assert.That(File.ReadAllText(app.PathOf("artifacts/compliance.json")), Does.Contain("\"status\": \"Failed\"").And.Contain("public.badges"));
        Assert.That(File.ReadAllText(app.PathOf("artifacts/compliance.md")), Does.Contain("| rls-enabled | failed |").And.Contain("- rls-enabled: table public.badges"));
        Assert.That(File.ReadAllText(app.PathOf("artifacts/migrations.json")), Does.Contain("20240302000000"));
        Assert.That(Directory.GetDirectories(Path.GetTempPath(), "storytailor-pg-*").Where(d => Directory.GetCreationTimeUtc(d) > DateTime.UtcNow.AddMinutes(-2) && !d.Equals(Server.Directory, StringComparison.Ordinal)), Is.Empty,
            "the stage's own throwaway server is gone");
    }
}

/// <summary>The example app (a temporary copy) passes the whole Database and Compliance stage.</summary>
[Category("EndToEnd")]
public class ExampleAppDatabaseTests
{
    [Test]
    public async Task Example_app_migrates_and_complies()
    {
        await TestEnvironment.EnsureSupabaseCliAsync();
        var example = Path.Combine(TestEnvironment.RepositoryRoot, "example");
        using var app = TestEnvironment.CopyApp(example, "supabase", "compliance", "package.json", "package-lock.json", "packages/router/package.json", "packages/universal-agent/package.json");
        var log = new RecordingLog();
        var redactor = new SecretRedactor();
        var artifacts = new ArtifactWriter(app.PathOf("artifacts"), redactor);
        var result = await new DatabaseValidation(new CommandRunner(log, redactor), log, redactor, artifacts).RunAsync(new DatabaseValidationSettings(app.Root, TestEnvironment.SupabaseCli));
        Assert.That(result.Passed, Is.True, string.Join('\n', result.Failures));
        Assert.That(result.Migrations.AppliedVersions, Has.Count.EqualTo(Directory.GetFiles(Path.Combine(example, "supabase", "migrations"), "*.sql").Length));
        Assert.That(File.ReadAllText(app.PathOf("artifacts/compliance.md")), Does.Contain("**Result: passed**"));
    }
}
