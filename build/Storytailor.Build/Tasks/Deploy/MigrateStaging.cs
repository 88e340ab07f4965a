using Cake.Frosting;
using Storytailor.Build.Context;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("MigrateStaging")]
[TaskDescription("Applies pending migrations to the staging database (supabase db push)")]
[IsDependentOn(typeof(ApplyStaging))]
public sealed class MigrateStaging : StagingStage
{
    public override Task RunAsync(BuildContext context) => StagesOf(context).MigrateAsync(RunOf(context));
}
