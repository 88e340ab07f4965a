using Npgsql;
using Storytailor.Core;

namespace Storytailor.Database;

/// <summary>Settings of the migration validation.</summary>
/// <param name="AppRoot">Folder holding <c>supabase/</c> (config.toml, migrations, seed).</param>
/// <param name="SupabaseCli">Path of the Supabase CLI (tools/supabase/node_modules/.bin/supabase).</param>
/// <param name="DefaultBranch">Branch whose migrations are history; null tries origin/main, then main.</param>
public sealed record MigrationSettings(string AppRoot, string SupabaseCli, string? DefaultBranch = null)
{
    public bool IncludeSeed { get; init; } = true;

    /// <summary>The migrations folder as messages name it (the app's declared path, relative to its root).</summary>
    public string MigrationsFolder { get; init; } = MigrationFiles.DefaultFolder;
}

public sealed record MigrationResult(IReadOnlyList<CheckOutcome> Checks, string? CliVersion, IReadOnlyList<string> AppliedVersions)
{
    /// <summary>Every check passed; a skipped check (e.g. no git history) does not fail the stage.</summary>
    public bool Passed => Checks.All(c => c.Status != CheckStatus.Failed);

    /// <summary>The migrations reached the database, so the schema can be inspected.</summary>
    public bool Applied => Checks.Any(c => c.Name == MigrationValidator.PushCheck && c.Status == CheckStatus.Passed);

    public IEnumerable<string> Failures => Checks.SelectMany(c => c.Failures);
}

/// <summary>
/// Validates the app's migrations (<c>supabase/migrations</c> under its Supabase workdir): names and order, destructive statements, published
/// migrations unchanged, then applies migrations and seed with the real Supabase CLI and checks
/// its history table and that a second push changes nothing.
/// </summary>
public sealed class MigrationValidator(CommandRunner runner, IBuildLog log)
{
    public const string DestructiveCheck = "destructive-statements";
    public const string PushCheck = "supabase-db-push";
    public const string HistoryCheck = "migration-history";
    public const string SecondPushCheck = "second-push-no-op";

    public async Task<MigrationResult> ValidateAsync(MigrationSettings settings, PostgresUrl database, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(database);
        var migrationsDirectory = Path.Combine(settings.AppRoot, "supabase", "migrations");
        var files = MigrationFiles.List(migrationsDirectory, settings.MigrationsFolder);
        var checks = new List<CheckOutcome>
        {
            MigrationFiles.CheckNaming(files, settings.MigrationsFolder),
            CheckDestructive(files),
            await new PublishedMigrations(runner).CheckAsync(settings.AppRoot, settings.DefaultBranch, cancellationToken, settings.MigrationsFolder).ConfigureAwait(false),
        };

        var cli = new SupabaseCli(runner, settings.SupabaseCli);
        string? version = null;
        PushOutcome first;
        try
        {
            version = await cli.VersionAsync(cancellationToken).ConfigureAwait(false);
            log.Information($"Applying {files.Count} migration(s){(settings.IncludeSeed ? " and the seed" : string.Empty)} with Supabase CLI {version} to {database.Host}:{database.Port}/{database.Database}");
            first = await cli.PushAsync(settings.AppRoot, database, settings.IncludeSeed, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandException ex)
        {
            checks.Add(CheckOutcome.Fail(PushCheck, [$"{PushCheck}: could not run: {ex.Message}"]));
            return Finish(checks, version, []);
        }

        if (!first.Succeeded)
        {
            checks.Add(CheckOutcome.Fail(PushCheck, [$"{PushCheck}: supabase db push failed: {first.Message}"]));
            checks.Add(CheckOutcome.Skip(HistoryCheck, "skipped: the push failed"));
            checks.Add(CheckOutcome.Skip(SecondPushCheck, "skipped: the push failed"));
            return Finish(checks, version, []);
        }

        checks.Add(CheckOutcome.Pass(PushCheck, $"applied {first.Migrations.Count} migration(s), seeded {first.Seeds.Count} file(s)"));
        var history = await ReadHistoryAsync(database, cancellationToken).ConfigureAwait(false);
        var expected = files.Where(f => f.Version is not null).Select(f => f.Version!).ToList();
        var missing = expected.Except(history, StringComparer.Ordinal).Select(v => $"{HistoryCheck}: {files.First(f => f.Version == v).RelativePath} is not in supabase_migrations.schema_migrations after the push");
        var unknown = history.Except(expected, StringComparer.Ordinal).Select(v => $"{HistoryCheck}: supabase_migrations.schema_migrations lists version {v}, which has no file in {settings.MigrationsFolder}");
        checks.Add(CheckOutcome.From(HistoryCheck, [.. missing, .. unknown], $"{history.Count} version(s) recorded"));

        PushOutcome second;
        try
        {
            second = await cli.PushAsync(settings.AppRoot, database, settings.IncludeSeed, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandException ex)
        {
            checks.Add(CheckOutcome.Fail(SecondPushCheck, [$"{SecondPushCheck}: could not run: {ex.Message}"]));
            return Finish(checks, version, history);
        }

        var historyAfter = await ReadHistoryAsync(database, cancellationToken).ConfigureAwait(false);
        checks.Add(JudgeSecondPush(second, history, historyAfter));
        return Finish(checks, version, historyAfter);
    }

    internal static CheckOutcome JudgeSecondPush(PushOutcome second, IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        var failures = new List<string>();
        if (!second.Succeeded)
        {
            failures.Add($"{SecondPushCheck}: the second supabase db push failed: {second.Message}");
        }
        else if (!second.UpToDate || second.Migrations.Count > 0 || second.Seeds.Count > 0)
        {
            var what = second.Migrations.Concat(second.Seeds).ToList();
            failures.Add($"{SecondPushCheck}: the second supabase db push was not a no-op: it applied {(what.Count == 0 ? "changes" : string.Join(", ", what))}");
        }

        if (!before.SequenceEqual(after, StringComparer.Ordinal))
        {
            failures.Add($"{SecondPushCheck}: supabase_migrations.schema_migrations changed on the second push ({before.Count} → {after.Count} versions)");
        }

        return CheckOutcome.From(SecondPushCheck, failures, second.Message);
    }

    internal static CheckOutcome CheckDestructive(IReadOnlyList<MigrationFile> files)
    {
        var failures = new List<string>();
        var allowed = new List<string>();
        foreach (var file in files)
        {
            var sql = File.ReadAllText(file.Path);
            var found = DestructiveStatements.Find(sql);
            var reason = DestructiveStatements.AllowReason(sql);
            if (reason is not null && reason.Length == 0)
            {
                failures.Add($"{file.RelativePath}: '-- {DestructiveStatements.AllowMarker}' needs a reason after it");
                continue;
            }

            foreach (var statement in found)
            {
                if (reason is null)
                {
                    failures.Add($"{file.RelativePath}:{statement.Line}: destructive statement ({statement.Kind}): {statement.Statement} — add '-- {DestructiveStatements.AllowMarker} <reason>' to the migration if it is intended");
                }
                else
                {
                    allowed.Add($"{file.RelativePath}:{statement.Line} {statement.Kind} (allowed: {reason})");
                }
            }
        }

        return CheckOutcome.From(DestructiveCheck, failures, allowed.Count == 0 ? null : string.Join("; ", allowed));
    }

    /// <summary>The versions in Supabase's own history table, in order (read in a read-only transaction: it never writes).</summary>
    public static async Task<IReadOnlyList<string>> ReadHistoryAsync(PostgresUrl database, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = new NpgsqlConnection(database.ToConnectionString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var readOnly = new NpgsqlCommand("set transaction read only", connection, transaction))
        {
            await readOnly.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var command = new NpgsqlCommand("select version from supabase_migrations.schema_migrations order by version", connection, transaction);
        var versions = new List<string>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                versions.Add(reader.GetString(0));
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable || ex.SqlState == PostgresErrorCodes.InvalidSchemaName)
        {
            return []; // no history table yet: nothing was recorded
        }

        return versions;
    }

    private MigrationResult Finish(List<CheckOutcome> checks, string? version, IReadOnlyList<string> applied)
    {
        foreach (var check in checks)
        {
            var line = $"{check.Name}: {check.Status}{(check.Note is null ? string.Empty : $" ({check.Note})")}";
            if (check.Status == CheckStatus.Failed)
            {
                log.Error(line);
                check.Failures.ToList().ForEach(log.Error);
            }
            else
            {
                log.Information(line);
            }
        }

        return new MigrationResult(checks, version, applied);
    }
}
