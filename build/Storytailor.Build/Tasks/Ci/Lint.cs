using Cake.Frosting;
using Storytailor.Build.Adapters.Npm;
using Storytailor.Build.Context;

namespace Storytailor.Build.Tasks.Ci;

[TaskName("Lint")]
[TaskDescription("Lints the app (npm run lint)")]
[IsDependentOn(typeof(Restore))]
public sealed class Lint : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) => new NpmScripts(context).RunScript("Lint", "lint");
}
