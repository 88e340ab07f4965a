using Cake.Frosting;
using Storytailor.Build.Adapters.Npm;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;
using Storytailor.Database;

namespace Storytailor.Build.Tasks.Database;

[TaskName("Database")]
[TaskDescription("Migrations: names, destructive statements, published ones unchanged, applied with the Supabase CLI to a throwaway PostgreSQL; then the COPPA/GDPR/Children's Code compliance rules on it")]
[IsDependentOn(typeof(Preflight.Preflight))]
public sealed class DatabaseChecks : AsyncFrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context) => context.RunUnlessCached(this, StageInputCatalog.Database(context));

    public override async Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsCachedTarget(this))
        {
            return;
        }

        var result = await new DatabaseValidation(context.Commands, context.BuildLog, context.Redactor, context.Artifacts)
            .RunAsync(new DatabaseValidationSettings(context.AppRoot, context.SupabaseCli, context.DatabaseUrl, context.DefaultBranch)
            {
                SupabaseWorkdir = context.AppPath(context.App.Paths.SupabaseWorkdir),
                MigrationsFolder = context.App.Paths.Migrations,
                InventoryFile = context.App.Paths.DataInventory,
                ErasureRows = context.App.ErasureRows,
            });
        if (!result.Passed)
        {
            throw StageFailure.Because($"Database failed:{Environment.NewLine}  {string.Join($"{Environment.NewLine}  ", result.Failures)}");
        }

        context.BuildLog.Information("Migrations and compliance passed (artifacts: migrations.json, compliance.json, compliance.md).");
    }
}
