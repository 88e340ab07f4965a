using Cake.Frosting;
using Storytailor.Build.Adapters.Npm;
using Storytailor.Build.Context;

namespace Storytailor.Build.Tasks.Ci;

[TaskName("FormatCheck")]
[TaskDescription("Checks the app's formatting (npm run format:check)")]
[IsDependentOn(typeof(Restore))]
public sealed class FormatCheck : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) => new NpmScripts(context).RunScript("FormatCheck", "format:check");
}
