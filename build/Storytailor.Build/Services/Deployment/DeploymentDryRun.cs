using Cake.Core;
using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Secrets;
using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>
/// The plan of a deployment target, printed from reads only: by the targets PlanProduction, PlanStaging and
/// PlanRollback on any host, and by this host's --dryrun of DeployProduction, DeployStaging and Rollback (from Setup,
/// since a dry run executes no task). Before reading anything: every missing secret of the target at once (exit 2).
/// </summary>
public static class DeploymentDryRun
{
    public const string DeployProduction = "DeployProduction";
    public const string DeployStaging = "DeployStaging";
    public const string Rollback = "Rollback";

    /// <summary>This host's dry run: the plan of each requested deployment target.</summary>
    public static void PrintIfRequested(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Deploy.DryRun)
        {
            CheckSecrets(context, context.Targets);
            foreach (var target in context.Targets)
            {
                Print(context, target);
            }
        }
    }

    /// <summary>The plan of one deployment target (nothing for other targets).</summary>
    public static void Print(BuildContext context, string target)
    {
        ArgumentNullException.ThrowIfNull(context);
        CheckSecrets(context, [target]);
        foreach (var line in Describe(context, target))
        {
            context.BuildLog.Information(line);
        }
    }

    private static void CheckSecrets(BuildContext context, IReadOnlyList<string> targets)
    {
        if (SecretPreflight.Problem(targets, context.DeploymentEnvironment, context.Environment.GetEnvironmentVariable) is { } problem)
        {
            throw new CakeException(ExitCodes.Usage, problem);
        }
    }

    private static IReadOnlyList<string> Describe(BuildContext context, string target)
    {
        if (string.Equals(target, DeployProduction, StringComparison.OrdinalIgnoreCase))
        {
            using var owned = DeploymentRuntimeFactory.Create(context, DeploymentEnvironment.Production, readOnly: true);
            var load = PrePromotionTests.DescribeLoad(owned.Runtime.TestSettings);
            return new DeploymentPlan(owned.Runtime).DescribeDeploymentAsync(context.ReleaseVersion ?? "(no --tag)", context.ArtifactsDirectory, context.SkipTests, context.SkipTestsReason, load).GetAwaiter().GetResult();
        }

        if (string.Equals(target, DeployStaging, StringComparison.OrdinalIgnoreCase))
        {
            using var owned = DeploymentRuntimeFactory.Create(context, DeploymentEnvironment.Staging, readOnly: true);
            var run = StagingInputs.Read(context);
            return new DeploymentPlan(owned.Runtime).DescribeStagingAsync(run.Version, context.ArtifactsDirectory, run.Settings).GetAwaiter().GetResult();
        }

        if (string.Equals(target, Rollback, StringComparison.OrdinalIgnoreCase) && context.DeploymentEnvironment == DeploymentEnvironment.Production)
        {
            using var owned = DeploymentRuntimeFactory.Create(context, DeploymentEnvironment.Production, readOnly: true);
            return new DeploymentPlan(owned.Runtime).DescribeRollbackAsync(new OnCallRollback(owned.Runtime), context.Deploy.ToVersion).GetAwaiter().GetResult();
        }

        return [];
    }
}
