using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Secrets;
using Storytailor.Build.Services.Deployment;
using Storytailor.Deploy;

namespace Storytailor.Build.Tasks.Deploy;

/// <summary>A dry run of a deployment target: the plan, printed from reads only (run from the build's Setup, tasks never run in a dry run).</summary>
internal static class DeploymentDryRun
{
    public static void PrintIfRequested(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Deploy.DryRun)
        {
            return;
        }

        // The plan reads the live state, before Preflight (tasks never run in a dry run): the same check, every missing name at once.
        if (SecretPreflight.Problem(context.Targets, context.DeploymentEnvironment, context.Environment.GetEnvironmentVariable) is { } problem)
        {
            throw new Cake.Core.CakeException(ExitCodes.Usage, problem);
        }

        foreach (var target in context.Targets)
        {
            IReadOnlyList<string>? lines = null;
            if (string.Equals(target, "DeployProduction", StringComparison.OrdinalIgnoreCase))
            {
                using var owned = DeploymentRuntimeFactory.Create(context, DeploymentEnvironment.Production);
                var load = PrePromotionTests.DescribeLoad(owned.Runtime.TestSettings);
                lines = new DeploymentPlan(owned.Runtime).DescribeDeploymentAsync(context.ReleaseVersion ?? "(no --tag)", context.ArtifactsDirectory, context.SkipTests, context.SkipTestsReason, load).GetAwaiter().GetResult();
            }
            else if (string.Equals(target, "DeployStaging", StringComparison.OrdinalIgnoreCase))
            {
                using var owned = DeploymentRuntimeFactory.Create(context, DeploymentEnvironment.Staging);
                var run = StagingRun.Read(context);
                lines = new DeploymentPlan(owned.Runtime).DescribeStagingAsync(run.Version, context.ArtifactsDirectory, run.Settings).GetAwaiter().GetResult();
            }
            else if (string.Equals(target, "Rollback", StringComparison.OrdinalIgnoreCase) && context.DeploymentEnvironment == DeploymentEnvironment.Production)
            {
                using var owned = DeploymentRuntimeFactory.Create(context, DeploymentEnvironment.Production);
                lines = new DeploymentPlan(owned.Runtime).DescribeRollbackAsync(new OnCallRollback(owned.Runtime), context.Deploy.ToVersion).GetAwaiter().GetResult();
            }

            foreach (var line in lines ?? [])
            {
                context.BuildLog.Information(line);
            }
        }
    }
}
