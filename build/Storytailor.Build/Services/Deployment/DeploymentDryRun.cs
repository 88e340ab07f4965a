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
        if (SecretPreflight.Problem(targets, context.DeploymentEnvironment, context.Variables.Value) is { } problem)
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
            var migrations = ProductionMigrationPlan.DescribeAsync(MigrationTarget.Production(context), context.Redactor).GetAwaiter().GetResult();
            var lines = new DeploymentPlan(owned.Runtime).DescribeDeploymentAsync(context.ReleaseVersion ?? "(no --tag)", context.ArtifactSource?.Folder ?? context.ArtifactsDirectory, context.SkipTests, context.SkipTestsReason, load, migrations).GetAwaiter().GetResult();
            return [.. lines.Take(1), .. ArtifactLines(context, production: true), .. lines.Skip(1)];
        }

        if (string.Equals(target, DeployStaging, StringComparison.OrdinalIgnoreCase))
        {
            using var owned = DeploymentRuntimeFactory.Create(context, DeploymentEnvironment.Staging, readOnly: true);
            var run = StagingInputs.Read(context);
            var lines = new DeploymentPlan(owned.Runtime).DescribeStagingAsync(run.Version, context.ArtifactSource?.Folder ?? context.ArtifactsDirectory, run.Settings).GetAwaiter().GetResult();
            return [.. lines.Take(1), .. ArtifactLines(context, production: false), .. lines.Skip(1)];
        }

        if (string.Equals(target, Rollback, StringComparison.OrdinalIgnoreCase) && context.DeploymentEnvironment == DeploymentEnvironment.Production)
        {
            using var owned = DeploymentRuntimeFactory.Create(context, DeploymentEnvironment.Production, readOnly: true);
            return new DeploymentPlan(owned.Runtime).DescribeRollbackAsync(new OnCallRollback(owned.Runtime), context.Deploy.ToVersion).GetAwaiter().GetResult();
        }

        return [];
    }

    /// <summary>Where the artifacts would come from, whether they passed staging, and (production) whether a run would be refused.</summary>
    private static IEnumerable<string> ArtifactLines(BuildContext context, bool production)
    {
        if (context.ArtifactSource is not { } source)
        {
            yield return "Artifacts: not resolved (see above).";
            yield break;
        }

        yield return source.Describe();
        if (!production)
        {
            yield return source.Commit is null
                ? $"After the tests pass: not recorded as passing staging ({source.WhyBuiltHere})."
                : $"After the tests pass: the set is recorded as passing staging under s3://{source.Bucket}/{ArtifactPromotion.CommitPrefix(source.Commit)}{(source.Set is null ? " (published there first)" : string.Empty)}.";
            yield break;
        }

        yield return source.StagingLine();
        if (source.ProductionRefusal(context.SkipTests) is { } refusal)
        {
            yield return $"A run would be REFUSED: {refusal}";
        }
        else if (source.StagingPass is null)
        {
            yield return $"A run would deploy it without a staging pass (--skip-tests: {context.SkipTestsReason}); the ledger records it.";
        }
    }
}
