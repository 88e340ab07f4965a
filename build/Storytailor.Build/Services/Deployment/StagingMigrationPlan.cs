using Npgsql;
using Storytailor.Core;
using Storytailor.Database;

namespace Storytailor.Build.Services.Deployment;

/// <summary>
/// What DeployStaging's migrations step would push, for a dry run: the app's migration files and, read in a read-only
/// transaction, which of them the staging database has not recorded yet. Nothing is pushed.
/// </summary>
public sealed class StagingMigrationPlan(StagingSettings staging, SecretRedactor redactor)
{
    public async Task<IReadOnlyList<string>> DescribeAsync(CancellationToken cancellationToken = default)
    {
        var files = MigrationFiles.List(staging.MigrationsFolder, staging.DeclaredMigrationsFolder);
        var names = files.Count == 0 ? "none" : string.Join(", ", files.Select(f => f.FileName));
        PostgresUrl database;
        try
        {
            database = staging.Database();
        }
        catch (DeploymentStepException ex)
        {
            return [$"Migrations (forward-only, never reverted): {files.Count} file(s) in {staging.DeclaredMigrationsFolder}: {names}; a real run would fail at migrations: {ex.Message}."];
        }

        redactor.Register(database.Password);
        var target = $"{database.Host}:{database.Port}/{database.Database}";
        return
        [
            $"Migrations (forward-only, never reverted): supabase db push{(staging.IncludeSeed ? " --include-seed" : string.Empty)} to {target} ({staging.DatabaseUrlSecret}) with the {files.Count} file(s) of {staging.DeclaredMigrationsFolder}: {names}.",
            await PendingAsync(files, database, target, cancellationToken).ConfigureAwait(false),
        ];
    }

    private static async Task<string> PendingAsync(IReadOnlyList<MigrationFile> files, PostgresUrl database, string target, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> history;
        try
        {
            history = await MigrationValidator.ReadHistoryAsync(database, cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            return $"Pending on {target}: could not be read ({ex.Message}); a real run pushes the files the database has not recorded.";
        }
        catch (TimeoutException ex)
        {
            return $"Pending on {target}: could not be read ({ex.Message}); a real run pushes the files the database has not recorded.";
        }

        var recorded = history.ToHashSet(StringComparer.Ordinal);
        var pending = files.Where(f => f.Version is not null && !recorded.Contains(f.Version)).Select(f => f.FileName).ToList();
        var unknown = history.Except(files.Select(f => f.Version).OfType<string>(), StringComparer.Ordinal).ToList();
        var line = pending.Count == 0
            ? $"Pending on {target} (read-only): none ({history.Count} migration(s) recorded)."
            : $"Pending on {target} (read-only): {pending.Count} of {files.Count}: {string.Join(", ", pending)}.";
        return unknown.Count == 0
            ? line
            : $"{line} The database records version(s) with no file ({string.Join(", ", unknown)}): supabase db push would refuse.";
    }
}
