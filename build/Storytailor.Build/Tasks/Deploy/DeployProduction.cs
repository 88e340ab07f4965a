using Cake.Frosting;
using Storytailor.Build.Services.Stages;
using Storytailor.Build.Context;
using Storytailor.Build.Secrets;
using Storytailor.Build.Services.Deployment;
using Storytailor.Deploy;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("DeployProduction")]
[TaskDescription("Blue/green production deployment of --tag: lock, package and upload, Terraform apply of the idle colour, verify and warm up functions, smoke/load/security tests on it, DNS switch (INSYNC), monitoring window with automatic rollback, guarded cleanup of the old colour; ledger and Slack notices. --dry-run prints the plan")]
[IsDependentOn(typeof(Preflight.Preflight))]
[IsDependentOn(typeof(Build.Package))]
public sealed class DeployProduction : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var version = context.ReleaseVersion ?? throw new Cake.Core.CakeException(ExitCodes.Usage, "DeployProduction needs --tag=vX.Y.Z.");
        using var owned = DeploymentRuntimeFactory.Create(context, DeploymentEnvironment.Production);
        var artifacts = context.ArtifactSource is { } source ? await owned.Runtime.ArtifactSources.PrepareAsync(source) : context.ArtifactsDirectory;
        var manifest = Path.Combine(artifacts, "manifest.json");
        var request = new DeploymentRequest(version, DeploymentRuntimeFactory.Trigger(context))
        {
            Artifacts = context.ArtifactSource,
            GitCommit = File.Exists(manifest) ? ArtifactManifest.Read(manifest).GitCommit : null,
            SkipTests = context.SkipTests,
            SkipTestsReason = context.SkipTests ? context.SkipTestsReason : null,
            ForceUnlockId = context.Deploy.ForceUnlockId,
            Supersede = context.Deploy.Supersede,
        };
        var report = await new BlueGreenDeployment(owned.Runtime).DeployAsync(request, artifacts);
        DeploymentOutput.Finish(context, "DeployProduction", report);
    }
}

[TaskName("Rollback")]
[TaskDescription("On-call rollback of --environment=production: back to the colour live before the newest successful deployment (switch + INSYNC + smoke; redeploys --to-version or the previous version first when it was cleaned up). Safe to run twice; --dry-run prints what it would do")]
[IsDependentOn(typeof(Preflight.Preflight))]
public sealed class Rollback : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.DeploymentEnvironment != DeploymentEnvironment.Production)
        {
            throw new Cake.Core.CakeException(ExitCodes.Usage, "Rollback switches blue/green colours: run it with --environment=production. Staging rolls back automatically inside DeployStaging.");
        }

        using var owned = DeploymentRuntimeFactory.Create(context, DeploymentEnvironment.Production);
        var request = new DeploymentRequest("rollback", DeploymentRuntimeFactory.Trigger(context))
        {
            ForceUnlockId = context.Deploy.ForceUnlockId,
            ToVersion = context.Deploy.ToVersion,
        };
        var report = await new BlueGreenDeployment(owned.Runtime).RollbackAsync(request);
        DeploymentOutput.Finish(context, "Rollback", report);
    }
}

/// <summary>How the deployment targets end: the summary in the log, exit 1 when the run did not succeed.</summary>
internal static class DeploymentOutput
{
    public static void Finish(BuildContext context, string target, DeploymentReport report)
    {
        if (report.LedgerKey is { } key)
        {
            context.BuildLog.Information($"Ledger record: {key} (local copy {context.Artifacts.PathOf(key)}).");
        }

        if (!report.Succeeded)
        {
            throw StageFailure.Because($"{target} failed: {report.Summary}");
        }

        context.BuildLog.Information($"{target}: {report.Summary}");
    }
}

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
                lines = new DeploymentPlan(owned.Runtime).DescribeDeploymentAsync(context.ReleaseVersion ?? "(no --tag)", context.ArtifactSource?.Folder ?? context.ArtifactsDirectory, context.SkipTests, context.SkipTestsReason, load).GetAwaiter().GetResult();
                lines = [.. lines.Take(1), .. ArtifactLines(context, production: true), .. lines.Skip(1)];
            }
            else if (string.Equals(target, "DeployStaging", StringComparison.OrdinalIgnoreCase))
            {
                using var owned = DeploymentRuntimeFactory.Create(context, DeploymentEnvironment.Staging);
                var run = StagingRun.Read(context);
                lines = new DeploymentPlan(owned.Runtime).DescribeStagingAsync(run.Version, context.ArtifactSource?.Folder ?? context.ArtifactsDirectory, run.Settings).GetAwaiter().GetResult();
                lines = [.. lines.Take(1), .. ArtifactLines(context, production: false), .. lines.Skip(1)];
            }
            else if (string.Equals(target, "Rollback", StringComparison.OrdinalIgnoreCase) && context.DeploymentEnvironment == DeploymentEnvironment.Production)
            {
                using var owned = DeploymentRuntimeFactory.Create(context, DeploymentEnvironment.Production);
                lines = new DeploymentPlan(owned.Runtime).DescribeRollbackAsync(new BlueGreenDeployment(owned.Runtime), context.Deploy.ToVersion).GetAwaiter().GetResult();
            }

            foreach (var line in lines ?? [])
            {
                context.BuildLog.Information(line);
            }
        }
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
