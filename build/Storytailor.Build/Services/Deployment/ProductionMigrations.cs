using Npgsql;
using Storytailor.Core;
using Storytailor.Database;
using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>
/// DeployProduction's migrations stage, before the idle colour is applied: the production database's migration history
/// is read (read-only), the pending migrations pass the backward-compatibility gate (the live colour keeps using this
/// database), then <c>supabase db push</c> applies them (no seed). One ledger step, which names the migrations applied
/// and every destructive statement allowed with its reason. Migrations are never reverted, by any rollback.
/// </summary>
public sealed class ProductionMigrations(DeploymentRuntime runtime, CommandRunner runner)
{
    private readonly DeploymentStages _stages = new(runtime);

    public async Task MigrateAsync(ProductionRun run, MigrationTarget target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var session = IdleColourStages.SessionOf(run);
        run.AppliedMigrations = await _stages.StepAsync(session, DeploymentSteps.Migrations, () => PushAsync(target, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private async Task<StepResult<IReadOnlyList<string>>> PushAsync(MigrationTarget target, CancellationToken cancellationToken)
    {
        var database = target.Database();
        runtime.Redactor.Register(database.Password);
        var where = Where(database);
        var files = target.Files();
        var history = await ReadHistoryAsync(database, where, cancellationToken).ConfigureAwait(false);
        var verdict = BackwardCompatibility.Judge(files, history);
        var facts = new List<string> { $"{where}: {history.Count} migration(s) recorded; pending: {Names(verdict.Pending)}" };
        facts.AddRange(verdict.Allowed.Select(a => $"allowed destructive migration {a}"));
        if (!verdict.Passed)
        {
            throw new DeploymentStepException(DeploymentSteps.Migrations,
                $"pending migrations are not backward-compatible (the live colour keeps using {where} until the switch), nothing was migrated: {string.Join("; ", verdict.Problems)}")
            { Data = { ["facts"] = facts } };
        }

        if (verdict.Pending.Count == 0)
        {
            facts.Add(MigrationFacts.Applied([]));
            runtime.Log.Information($"Migrations on production: {where} is up to date, nothing to push.");
            return new StepResult<IReadOnlyList<string>>([], facts);
        }

        PushOutcome push;
        try
        {
            push = await new SupabaseCli(runner, target.SupabaseCli).PushAsync(target.SupabaseWorkdir ?? target.AppRoot, database, includeSeed: false, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandException ex)
        {
            throw new DeploymentStepException(DeploymentSteps.Migrations, $"could not run the Supabase CLI: {ex.Message}") { Data = { ["facts"] = facts } };
        }

        if (!push.Succeeded)
        {
            throw new DeploymentStepException(DeploymentSteps.Migrations, $"supabase db push to {where} failed: {push.Message}") { Data = { ["facts"] = facts } };
        }

        var applied = await AppliedAsync(database, history, files, cancellationToken).ConfigureAwait(false);
        facts.Add(MigrationFacts.Applied(applied));
        runtime.Log.Information($"Migrations on production: {where}: {MigrationFacts.Applied(applied)}{string.Concat(verdict.Allowed.Select(a => $"; allowed destructive migration {a}"))}");
        return new StepResult<IReadOnlyList<string>>(applied, facts);
    }

    /// <summary>The files the push recorded: versions in the history now that were not before.</summary>
    private static async Task<IReadOnlyList<string>> AppliedAsync(PostgresUrl database, IReadOnlyList<string> before, IReadOnlyList<MigrationFile> files, CancellationToken cancellationToken)
    {
        var after = await MigrationValidator.ReadHistoryAsync(database, cancellationToken).ConfigureAwait(false);
        var added = after.Except(before, StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal);
        return [.. files.Where(f => f.Version is not null && added.Contains(f.Version)).Select(f => f.FileName)];
    }

    private static async Task<IReadOnlyList<string>> ReadHistoryAsync(PostgresUrl database, string where, CancellationToken cancellationToken)
    {
        try
        {
            return await MigrationValidator.ReadHistoryAsync(database, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            throw new DeploymentStepException(DeploymentSteps.Migrations, $"could not read the migration history of {where} (supabase_migrations.schema_migrations), nothing was migrated: {ex.Message}");
        }
    }

    internal static string Where(PostgresUrl database) => $"{database.Host}:{database.Port}/{database.Database}";

    private static string Names(IReadOnlyList<MigrationFile> files) => files.Count == 0 ? "none" : string.Join(", ", files.Select(f => f.FileName));
}
