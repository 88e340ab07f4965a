using System.Text;
using Storytailor.Core;

namespace Storytailor.Database;

/// <summary>Settings of the Database and Compliance stages (build parameters).</summary>
/// <param name="AppRoot">The app: holds supabase/ and compliance/data-inventory.yml.</param>
/// <param name="SupabaseCli">Path of the Supabase CLI binary.</param>
/// <param name="DatabaseUrl">Use this database instead of starting a throwaway PostgreSQL (it must be disposable).</param>
/// <param name="DefaultBranch">Branch whose migrations must not be edited; null tries origin/main, then main.</param>
/// <param name="PostgresBinDirectory">Folder of initdb/pg_ctl; null searches pg_config, /usr/lib/postgresql/*/bin, PATH.</param>
public sealed record DatabaseValidationSettings(
    string AppRoot,
    string SupabaseCli,
    string? DatabaseUrl = null,
    string? DefaultBranch = null,
    string? PostgresBinDirectory = null)
{
    /// <summary>Database created on the throwaway server for the migrations.</summary>
    public string DatabaseName { get; init; } = "storytailor_ci";

    public bool RunCompliance { get; init; } = true;

    /// <summary>The folder holding the app's supabase folder (the Supabase CLI's workdir); null: the app root.</summary>
    public string? SupabaseWorkdir { get; init; }

    /// <summary>The migrations folder, relative to the app root (how messages name it).</summary>
    public string MigrationsFolder { get; init; } = MigrationFiles.DefaultFolder;

    /// <summary>The data inventory, relative to the app root.</summary>
    public string InventoryFile { get; init; } = DataInventory.RelativePath;

    /// <summary>Column values the app declares for the erasure proof's test rows: "schema.table" → column → value.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> ErasureRows { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, string>>();
}

public sealed record DatabaseValidationResult(MigrationResult Migrations, ComplianceResult? Compliance)
{
    public bool Passed => Migrations.Passed && (Compliance?.Passed ?? true);

    public IEnumerable<string> Failures => Migrations.Failures.Concat(Compliance?.Failures ?? []);
}

/// <summary>
/// The Database and Compliance stages in one pass over one database: start a throwaway
/// PostgreSQL (or use the given URL), validate and apply the migrations, run the compliance rules
/// on the migrated schema, write artifacts/migrations.json, compliance.json and compliance.md,
/// and stop the server whatever happened.
/// </summary>
public sealed class DatabaseValidation(CommandRunner runner, IBuildLog log, SecretRedactor redactor, ArtifactWriter artifacts)
{
    public async Task<DatabaseValidationResult> RunAsync(DatabaseValidationSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        MigrationResult migrations;
        ComplianceResult? compliance = null;
        try
        {
            await using var server = await ThrowawayPostgres.StartAsync(new PostgresSettings(settings.DatabaseUrl, settings.PostgresBinDirectory), runner, log, redactor, cancellationToken).ConfigureAwait(false);
            var database = server.IsThrowaway ? await server.CreateDatabaseAsync(settings.DatabaseName, cancellationToken).ConfigureAwait(false) : server.Url;
            migrations = await new MigrationValidator(runner, log).ValidateAsync(new MigrationSettings(settings.SupabaseWorkdir ?? settings.AppRoot, settings.SupabaseCli, settings.DefaultBranch) { MigrationsFolder = settings.MigrationsFolder }, database, cancellationToken).ConfigureAwait(false);
            if (settings.RunCompliance)
            {
                compliance = migrations.Applied
                    ? await new ComplianceChecker { InventoryFile = settings.InventoryFile, ErasureRows = settings.ErasureRows }.CheckAsync(settings.AppRoot, database, cancellationToken).ConfigureAwait(false)
                    : NotMigrated(settings.AppRoot, settings.InventoryFile);
            }
        }
        catch (Exception ex) when (ex is PostgresNotInstalledException or InvalidOperationException or Npgsql.NpgsqlException or CommandException or FormatException)
        {
            migrations = new MigrationResult([CheckOutcome.Fail("database", [$"database: could not run: {ex.Message}"])], null, []);
            compliance = settings.RunCompliance ? new ComplianceResult([CheckOutcome.Fail("database", [$"compliance: could not run: {ex.Message}"])]) : null;
        }

        var result = new DatabaseValidationResult(migrations, compliance);
        artifacts.WriteJson("migrations.json", new { passed = migrations.Passed, cliVersion = migrations.CliVersion, appliedVersions = migrations.AppliedVersions, checks = migrations.Checks });
        if (compliance is not null)
        {
            artifacts.WriteJson("compliance.json", new { passed = compliance.Passed, rules = compliance.Rules });
            artifacts.WriteText("compliance.md", ComplianceMarkdown(compliance));
            foreach (var rule in compliance.Rules)
            {
                if (rule.Status == CheckStatus.Failed)
                {
                    rule.Failures.ToList().ForEach(log.Error);
                }
                else
                {
                    log.Information($"{rule.Name}: {rule.Status}{(rule.Note is null ? string.Empty : $" ({rule.Note})")}");
                }
            }
        }

        return result;
    }

    public static string ComplianceMarkdown(ComplianceResult compliance)
    {
        ArgumentNullException.ThrowIfNull(compliance);
        var text = new StringBuilder();
        text.AppendLine("# Compliance report (COPPA, GDPR, UK Children's Code)").AppendLine();
        text.AppendLine(compliance.Passed ? "**Result: passed**" : "**Result: FAILED**").AppendLine();
        text.AppendLine("| rule | status | details |").AppendLine("|---|---|---|");
        foreach (var rule in compliance.Rules)
        {
            text.AppendLine($"| {rule.Name} | {rule.Status.ToString().ToLowerInvariant()} | {(rule.Note ?? string.Empty).Replace("|", "\\|", StringComparison.Ordinal)} |");
        }

        var failures = compliance.Failures.ToList();
        if (failures.Count > 0)
        {
            text.AppendLine().AppendLine("## Failures").AppendLine();
            failures.ForEach(f => text.AppendLine($"- {f}"));
        }

        return text.ToString();
    }

    private static ComplianceResult NotMigrated(string appRoot, string inventoryFile)
    {
        var inventory = LoadInventoryOrEmpty(appRoot, inventoryFile);
        return new ComplianceResult([
            CheckOutcome.Fail("database", ["compliance: could not run: the migrations were not applied (see the migration checks)"]),
            TrackerDependencies.Check(appRoot, inventory.ChildFacingPackages, inventory.TrackingDenyList)]);
    }

    private static DataInventory LoadInventoryOrEmpty(string appRoot, string inventoryFile)
    {
        var path = Path.Combine(appRoot, inventoryFile);
        try
        {
            return File.Exists(path) ? DataInventory.Load(path) : new DataInventory();
        }
        catch (FormatException)
        {
            return new DataInventory(); // reported by the inventory rule when the database is there
        }
    }
}
