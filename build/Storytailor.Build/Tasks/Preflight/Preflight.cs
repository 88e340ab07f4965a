using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Secrets;

namespace Storytailor.Build.Tasks.Preflight;

[TaskName("Preflight")]
[TaskDescription("Checks, before any side effect, that every secret the requested targets need is set (names only)")]
public sealed class Preflight : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var missing = SecretPreflight.Missing(context.Targets, context.DeploymentEnvironment, context.Environment.GetEnvironmentVariable);
        if (missing.Count > 0)
        {
            throw new CakeException(
                ExitCodes.Usage,
                $"Missing {missing.Count} required secret(s) for {string.Join(", ", context.Targets)}: {string.Join(", ", missing)}. " +
                "Set them as environment variables (in GitHub: repository or environment secrets). See --target=Secrets.");
        }

        var required = context.Targets.SelectMany(t => SecretCatalog.RequiredFor(t, context.DeploymentEnvironment)).Select(s => s.Name).Distinct().Count();
        context.Log.Information("All {0} required secret(s) for {1} are set.", required, string.Join(", ", context.Targets));
    }
}
