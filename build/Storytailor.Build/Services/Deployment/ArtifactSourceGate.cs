using Cake.Core;
using Storytailor.Aws;
using Storytailor.Build.Services.Stages;
using Storytailor.Build.Context;
using Storytailor.Build.Secrets;
using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>
/// Before the first task of DeployStaging or DeployProduction (dry runs and PlanStaging/PlanProduction included): finds the artifact set Ci published
/// for the checked-out commit. When there is one, Compile and Package do not run (the deployment downloads it); when
/// there is none, they build the artifacts and the log says so. DeployProduction refuses a set that has not passed
/// staging unless --skip-tests (exit 1, before any side effect); a dry run prints that instead.
/// </summary>
public static class ArtifactSourceGate
{
    private const string PlanProduction = "PlanProduction";
    private const string PlanStaging = "PlanStaging";

    public static void ResolveFor(BuildContext context, IReadOnlyCollection<string> tasks)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(tasks);
        var production = context.Targets.Any(t => t.Equals(SecretCatalog.DeployProduction, StringComparison.OrdinalIgnoreCase) || t.Equals(PlanProduction, StringComparison.OrdinalIgnoreCase));
        var staging = context.Targets.Any(t => t.Equals(SecretCatalog.DeployStaging, StringComparison.OrdinalIgnoreCase) || t.Equals(PlanStaging, StringComparison.OrdinalIgnoreCase));
        var planOnly = context.Deploy.DryRun || context.Targets.Any(t => t.Equals(PlanProduction, StringComparison.OrdinalIgnoreCase) || t.Equals(PlanStaging, StringComparison.OrdinalIgnoreCase));
        if (!production && !staging || production && staging || production && context.ReleaseVersion is null)
        {
            return; // no deployment (or both at once, which deploy different things): nothing to resolve; no tag: DeployProduction's own check stops the run
        }

        var target = production ? SecretCatalog.DeployProduction : SecretCatalog.DeployStaging;
        if (SecretPreflight.Problem([target], context.DeploymentEnvironment, context.Variables.Value) is not null)
        {
            return; // Preflight (or the plan) names every missing secret before anything else runs
        }

        var (factory, store, bucket) = DeploymentRuntimeFactory.OpenArtifactStore(context, target);
        ArtifactSource source;
        using (factory)
        {
            try
            {
                var checkout = CheckedOutCommit.ReadAsync(context.Commands, context.AppRoot).GetAwaiter().GetResult();
                var publisher = new ArtifactPublisher(store, factory.FunctionRegistry(), context.BuildLog);
                source = new ArtifactSources(new ArtifactPromotion(store, publisher, context.BuildLog), context.BuildLog)
                    .ResolveAsync(checkout, bucket, context.ArtifactsDirectory).GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is AwsServiceException or InvalidDataException or InvalidOperationException)
            {
                throw StageFailure.Because($"{target} could not find out where its artifacts come from: {ex.Message}");
            }
        }

        context.ArtifactSource = source;
        context.BuildLog.Information(source.Describe());
        if (production)
        {
            context.BuildLog.Information(source.StagingLine());
        }

        if (source.Origin == ArtifactOrigin.Published)
        {
            var why = $"not rebuilt: the artifact set Ci published for {source.Commit} is deployed";
            context.NotRebuilt["Package"] = why;
            if (!tasks.Contains("PerformanceBaseline", StringComparer.OrdinalIgnoreCase))
            {
                context.NotRebuilt["Compile"] = why;
            }
        }

        if (production && !planOnly && source.ProductionRefusal(context.SkipTests) is { } refusal)
        {
            throw StageFailure.Because($"DeployProduction refused: {refusal}");
        }

        if (production && context.SkipTests && source.StagingPass is null)
        {
            context.BuildLog.Warning($"DeployProduction of artifacts that have NOT passed staging (--skip-tests: {context.SkipTestsReason}); the ledger records it.");
        }
    }
}
