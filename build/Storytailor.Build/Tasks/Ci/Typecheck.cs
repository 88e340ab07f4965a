using Cake.Frosting;
using Storytailor.Build.Adapters.Npm;
using Storytailor.Build.Context;

namespace Storytailor.Build.Tasks.Ci;

[TaskName("Typecheck")]
[TaskDescription("Type-checks the app (npm run typecheck)")]
[IsDependentOn(typeof(Restore))]
public sealed class Typecheck : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) => new NpmScripts(context).RunScript("Typecheck", "typecheck");
}
