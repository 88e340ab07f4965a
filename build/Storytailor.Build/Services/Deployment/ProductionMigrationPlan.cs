using Npgsql;
using Storytailor.Core;
using Storytailor.Database;

namespace Storytailor.Build.Services.Deployment;

/// <summary>
/// What DeployProduction's migrations stage would do, for the plan: the pending migrations (files the production
/// database's history does not record, read in a read-only transaction) and the gate's verdict on each. Nothing is pushed.
/// A database that cannot be read is said so: the plan never claims "none pending" without having read it.
/// </summary>
public static class ProductionMigrationPlan
{
    public static async Task<IReadOnlyList<string>> DescribeAsync(MigrationTarget target, SecretRedactor redactor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(redactor);
        var files = target.Files();
        PostgresUrl database;
        try
        {
            database = target.Database();
        }
        catch (DeploymentStepException ex)
        {
            return [$"Migrations: {files.Count} file(s) in {target.DeclaredMigrationsFolder}; pending UNKNOWN, a real run would fail at migrations: {ex.Message}."];
        }

        redactor.Register(database.Password);
        var where = ProductionMigrations.Where(database);
        IReadOnlyList<string> history;
        try
        {
            history = await MigrationValidator.ReadHistoryAsync(database, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return [$"Migrations: pending on {where} UNKNOWN: the migration history could not be read ({ex.Message}); a real run would stop at migrations."];
        }

        var verdict = BackwardCompatibility.Judge(files, history);
        var lines = new List<string>
        {
            verdict.Pending.Count == 0
                ? $"Migrations: none pending on {where} (read-only; {history.Count} recorded); supabase db push is not run."
                : $"Migrations: {verdict.Pending.Count} pending on {where} (read-only; {history.Count} recorded), applied with supabase db push ({target.DatabaseUrlSecret}) before the idle colour: {string.Join(", ", verdict.Pending.Select(f => f.FileName))}.",
        };
        lines.AddRange(verdict.Allowed.Select(a => $"  allowed destructive migration {a}"));
        lines.AddRange(verdict.Problems.Select(p => $"  NEEDS THE ALLOW MARKER (a run would stop before migrating): {p}"));
        return lines;
    }
}
