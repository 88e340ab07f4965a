using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;
using Storytailor.Build.Services.Stages;
using Storytailor.Database;

namespace Storytailor.Build.Tasks.Database;

[TaskName("Database")]
[TaskDescription("Migration checks, supabase db push to a throwaway PostgreSQL, then the COPPA/GDPR/Children's Code rules")]
[IsDependentOn(typeof(Preflight.Preflight))]
public sealed class Database : CachedAsyncStage
{
    protected override string? SkipReason(BuildContext context) => context.ReleaseGateSkip;

    protected override StageInputs Inputs(BuildContext context) => StageInputCatalog.Database(context);

    protected override async Task RunStageAsync(BuildContext context)
    {
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
            throw StageFailure.Because("Database", result.Failures);
        }

        context.BuildLog.Information("Migrations and compliance passed (artifacts: migrations.json, compliance.json, compliance.md).");
    }
}
