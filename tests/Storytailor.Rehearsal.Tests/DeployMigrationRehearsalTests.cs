using System.Text.Json;
using Storytailor.Deploy;

namespace Storytailor.Rehearsal.Tests;

/// <summary>
/// DeployProduction's migrations rehearsed on the case's own database (the Supabase CLI pushing to the throwaway
/// PostgreSQL): a backward-compatible migration is applied before the idle colour; a destructive one stops the release
/// before anything changes unless its allow comment gives a reason, which the ledger keeps; the plan lists them.
/// </summary>
public sealed partial class DeployProductionRehearsalTests
{
    private const string Additive = "20990101000000_add_reading_level.sql";
    private const string Destructive = "20990101000100_drop_personalized_ads.sql";
    private const string DropColumn = "alter table public.child_profiles drop column personalized_ads;\n";

    private static readonly string[] ExampleMigrations =
        ["20240101000000_users.sql", "20240101000100_child_profiles.sql", "20240101000200_stories.sql", "20240101000300_privacy_settings.sql"];

    [Test]
    public async Task A_new_backward_compatible_migration_is_applied_before_the_idle_colour()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("migration-additive");
        using var migration = _rehearsal.AddMigration(Additive, "alter table public.stories add column reading_level text;\n");

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=rehearsal of a migration");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(await rehearsal.MigrationHistoryAsync(), Does.Contain("20990101000000"), "the row is in supabase_migrations.schema_migrations");
        var record = rehearsal.Ledger().Single().RootElement;
        var migrations = Step(record, "migrations");
        Assert.That(migrations.GetProperty("outcome").GetString(), Is.EqualTo("Succeeded"));
        Assert.That(StepFacts(migrations), Has.Some.EqualTo($"applied migrations: {string.Join(", ", ExampleMigrations)}, {Additive}"));
        Assert.That(migrations.GetProperty("endedAt").GetDateTimeOffset(), Is.LessThanOrEqualTo(Step(record, "apply").GetProperty("startedAt").GetDateTimeOffset()), "migrated before the idle colour was applied");
        Assert.That(run.Output, Does.Contain("MigrateProductionDatabase"));
    }

    [Test]
    public async Task A_destructive_pending_migration_stops_the_release_before_anything_changes()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("migration-destructive");
        using var migration = _rehearsal.AddMigration(Destructive, "-- personalised ads are gone\n" + DropColumn);
        var changes = rehearsal.Fake.Route53.Changes.Count;

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=rehearsal of a destructive migration");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain($"supabase/migrations/{Destructive}:2: ALTER TABLE ... DROP COLUMN: alter table public.child_profiles drop column personalized_ads")
            .And.Contain($"add '-- migration:allow-destructive <reason>' to {Destructive}"));
        Assert.That(await rehearsal.MigrationHistoryAsync(), Is.Empty, "nothing was migrated, not even the compatible ones");
        Assert.That(rehearsal.StateOf("prod-green"), Is.Empty, "no Terraform apply of the idle colour");
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.BlueEndpoint), "record unchanged");
        Assert.That(rehearsal.Fake.Route53.Changes, Has.Count.EqualTo(changes), "no DNS change");
        Assert.That(rehearsal.HeldLock(), Is.Null, "lock released");
        var record = rehearsal.Ledger().Single().RootElement;
        Assert.That(record.GetProperty("outcome").GetString(), Is.EqualTo("Failed"));
        Assert.That(Steps(record), Is.EqualTo(new[] { "preflight", "upload", "migrations" }));
        Assert.That(record.GetProperty("reason").GetString(), Does.Contain($"{Destructive}:2: ALTER TABLE ... DROP COLUMN"));
    }

    [Test]
    public async Task A_destructive_migration_with_the_allow_comment_and_a_reason_proceeds_and_the_ledger_keeps_the_reason()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("migration-allowed");
        using var migration = _rehearsal.AddMigration(Destructive, "-- migration:allow-destructive no release reads personalized_ads since v1.0.0\n" + DropColumn);

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=rehearsal of an allowed migration");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(await rehearsal.MigrationHistoryAsync(), Does.Contain("20990101000100"));
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.GreenEndpoint));
        var record = rehearsal.Ledger().Single().RootElement;
        Assert.That(record.GetProperty("outcome").GetString(), Is.EqualTo("Succeeded"));
        Assert.That(StepFacts(Step(record, "migrations")), Has.Some.EqualTo(
            $"allowed destructive migration supabase/migrations/{Destructive} (line 2 ALTER TABLE ... DROP COLUMN): allowed: no release reads personalized_ads since v1.0.0"));
    }

    [Test]
    public async Task The_plan_lists_the_pending_migrations_and_the_one_needing_the_marker_and_changes_nothing()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("migration-plan");
        using var migration = _rehearsal.AddMigration(Destructive, DropColumn);

        var plan = rehearsal.Build("--target=PlanProduction", "--tag=v1.1.0");

        Assert.That(plan.ExitCode, Is.EqualTo(0), plan.ToString());
        Assert.That(plan.Output, Does.Contain($"Migrations: 5 pending on ").And.Contain($"{string.Join(", ", ExampleMigrations)}, {Destructive}."));
        Assert.That(plan.Output, Does.Contain($"NEEDS THE ALLOW MARKER (a run would stop before migrating): supabase/migrations/{Destructive}:1: ALTER TABLE ... DROP COLUMN"));
        Assert.That(await rehearsal.MigrationHistoryAsync(), Is.Empty, "nothing migrated");
        Assert.That(rehearsal.Fake.MutatingRequests, Is.Empty, string.Join(", ", rehearsal.Fake.MutatingRequests.Select(r => r.Operation)));
        Assert.That(rehearsal.Ledger(), Is.Empty);

        // A database that cannot be read is not "none pending".
        rehearsal.ExtraEnvironment["SUPABASE_DB_URL_PRODUCTION"] = rehearsal.Database.WithDatabase("prod_does_not_exist").ToString();
        var unreadable = rehearsal.Build("--target=PlanProduction", "--tag=v1.1.0");
        Assert.That(unreadable.ExitCode, Is.EqualTo(0), unreadable.ToString());
        Assert.That(unreadable.Output, Does.Contain("Migrations: pending on ").And.Contain("/prod_does_not_exist UNKNOWN: the migration history could not be read"));
        Assert.That(unreadable.Output, Does.Not.Contain("none pending"));
    }

    private static JsonElement Step(JsonElement record, string name) =>
        record.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("name").GetString() == name);

    private static string[] StepFacts(JsonElement step) => [.. step.GetProperty("facts").EnumerateArray().Select(f => f.GetString()!)];
}
