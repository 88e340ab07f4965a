using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;
using Storytailor.Deploy;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("MigrateProductionDatabase")]
[TaskDescription("Refuses destructive pending migrations, then applies the pending ones to production (supabase db push)")]
[IsDependentOn(typeof(UploadArtifacts))]
public sealed class MigrateProductionDatabase : ProductionStage
{
    protected override string Step => DeploymentSteps.Migrations;

    public override Task RunAsync(BuildContext context)
    {
        var run = RunOf(context);
        return new ProductionMigrations(run.Runtime, context.Commands).MigrateAsync(run, MigrationTarget.Production(context));
    }
}
