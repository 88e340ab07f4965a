using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Secrets;

namespace Storytailor.Build.Tasks.Preflight;

[TaskName("Preflight")]
[TaskDescription("Checks, before any side effect, that every secret the requested targets need is set")]
public sealed class Preflight : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (SecretPreflight.Problem(context.Targets, context.DeploymentEnvironment, context.Variables.Value) is { } problem)
        {
            throw new CakeException(ExitCodes.Usage, problem);
        }

        var required = context.Targets.SelectMany(t => SecretCatalog.RequiredFor(t, context.DeploymentEnvironment)).Select(s => s.Name).Distinct().Count();
        context.Log.Information("All {0} required secret(s) for {1} are set.", required, string.Join(", ", context.Targets));
    }
}
