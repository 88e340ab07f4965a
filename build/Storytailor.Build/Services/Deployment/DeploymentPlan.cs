using System.Text.Json;
using Storytailor.Aws;
using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>
/// A dry run's account of what DeployProduction, Rollback or DeployStaging would do, from reads only: the lock
/// holder, the live colour from the record and the DNS change (production), the rollback target from the ledger, the
/// Terraform plan of the workspace that would be applied (terraform only plans), what would be destroyed, the
/// migrations that would be pushed (staging) and the tests with their thresholds. Nothing is uploaded, locked,
/// written to the ledger, migrated or applied.
/// </summary>
public sealed class DeploymentPlan(DeploymentRuntime runtime)
{
    public async Task<IReadOnlyList<string>> DescribeDeploymentAsync(string version, string artifactsRoot, bool skipTests, string? skipReason, string loadDescription, IReadOnlyList<string>? migrations = null, CancellationToken cancellationToken = default)
    {
        var settings = runtime.Settings;
        var lines = new List<string> { $"DRY RUN: DeployProduction of {version} to '{settings.Name}' ({settings.Domain}); nothing is changed." };
        lines.Add(await LockLineAsync(cancellationToken).ConfigureAwait(false));
        var live = await runtime.Planner.ReadLiveColourAsync(cancellationToken).ConfigureAwait(false);
        var idle = live.Idle;
        lines.Add(live.IsFirstDeployment ? $"Colours: {live.Describe()}." : $"Colours: {live.Describe()}.");
        var artifacts = PlannedArtifacts(artifactsRoot, lines);
        lines.AddRange(migrations ?? []);
        lines.Add($"Terraform plan of {settings.ColourOf(idle).Workspace} ({idle.Name()}): {PlanLine(settings.ColourOf(idle).Workspace, new StackVariables(version, artifacts), destroy: false)}");
        lines.Add($"Functions verified after apply (CodeSha256 = artifact's), then warmed up: {string.Join(", ", settings.ColourOf(idle).Functions)}.");
        lines.Add(skipTests
            ? $"Pre-promotion tests: SKIPPED (--skip-tests: {skipReason}); monitoring and automatic rollback still run."
            : $"Pre-promotion tests against {idle.Name()}'s endpoint: smoke suite, load test ({loadDescription}), security probes.");
        lines.Add($"DNS change: {runtime.Planner.DescribeSwitch(live, idle)}");
        lines.Add($"Monitoring: {Durations.Format(settings.MonitoringWindow)}, a sample every {Durations.Format(settings.PollInterval)} over whole {Durations.Format(settings.MetricPeriod)} periods read {Durations.Format(settings.MetricDelay)} after they end; automatic rollback to {live.Colour?.Name() ?? "(none: first deployment)"} after {settings.ConsecutiveBreaches} consecutive breaches; a window ending on an open breach streak is extended by up to {Durations.Format(settings.MonitoringExtension)}.");
        lines.Add($"Missing data ({settings.ApiType.ToString().ToLowerInvariant()} API metrics): {settings.MissingData.Describe(settings.NoTrafficSamples)}; a metric read that fails is a breach.");
        lines.Add($"Thresholds: p95 < {settings.Thresholds.P95Ms} ms, 5XX rate < {settings.Thresholds.ErrorRatePercent}%, Lambda errors and throttles 0, init duration < {settings.Thresholds.ColdStartMs} ms, smoke checks against {runtime.PublicUrl}.");
        if (live.Colour is { } old)
        {
            var workspace = settings.ColourOf(old).Workspace;
            lines.Add($"Cleanup: after the window, and only if the record (read again) points to {idle.Name()}, 2 × TTL ({2 * settings.RecordTtl} s) passed and {old.Name()} served ≤ {settings.CleanupMaxRequests} requests in {Durations.Format(settings.CleanupTrafficWindow)}: terraform destroy of {workspace}: {PlanLine(workspace, new StackVariables(version, new Dictionary<string, StackArtifact>()), destroy: true)}");
        }
        else
        {
            lines.Add("Cleanup: nothing (first deployment, no old colour).");
        }

        return lines;
    }

    public async Task<IReadOnlyList<string>> DescribeRollbackAsync(OnCallRollback deployment, string? toVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var settings = runtime.Settings;
        var lines = new List<string> { $"DRY RUN: Rollback of '{settings.Name}' ({settings.Domain}); nothing is changed." };
        lines.Add(await LockLineAsync(cancellationToken).ConfigureAwait(false));
        var live = await runtime.Planner.ReadLiveColourAsync(cancellationToken).ConfigureAwait(false);
        var (decision, last, unfinished) = await deployment.PlanRollbackAsync(live, cancellationToken).ConfigureAwait(false);
        lines.Add($"Colours: {live.Describe()}.");
        lines.Add(last is null ? "Ledger: no successful deployment." : $"Ledger: {(unfinished is null ? "newest successful" : "UNFINISHED")} deployment {last.Id} of {last.Version}, {last.ColourBefore?.Name() ?? "none"} → {last.ColourAfter?.Name()}; cleanup {last.Step(DeploymentSteps.Cleanup)?.Outcome.ToString() ?? "not run"}.");
        lines.Add($"Decision: {decision.Message}");
        if (decision.Target is { } target)
        {
            var workspace = settings.ColourOf(target).Workspace;
            var exists = runtime.Stack.Outputs(workspace).ContainsKey(runtime.Contract.EndpointOutput) && last!.Step(DeploymentSteps.Cleanup)?.Outcome != StepOutcome.Succeeded;
            lines.Add(exists
                ? $"{target.Name()} ({workspace}) still exists: no Terraform change."
                : $"{target.Name()} ({workspace}) was cleaned up: deploy {toVersion ?? last!.PreviousVersion} to it, then pre-promotion tests.");
            lines.Add($"DNS change: {runtime.Planner.DescribeSwitch(live, target)}");
            lines.Add($"Then: smoke checks against {runtime.PublicUrl}.");
            lines.Add($"Then: {MigrationFacts.NotReverted(MigrationFacts.AppliedBy(last))} (the database keeps every migration applied since).");
        }

        return lines;
    }

    public async Task<IReadOnlyList<string>> DescribeStagingAsync(string version, string artifactsRoot, StagingSettings staging, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(staging);
        var settings = runtime.Settings;
        var workspace = settings.Workspace ?? throw new InvalidOperationException($"The environment '{settings.Name}' has no Workspace; DeployStaging deploys to a single workspace.");
        var lines = new List<string> { $"DRY RUN: DeployStaging of {version} to '{settings.Name}' ({settings.Domain}), Terraform workspace {workspace}; nothing is changed." };
        lines.Add(await LockLineAsync(cancellationToken).ConfigureAwait(false));
        if (await runtime.Ledger.FindUnfinishedAsync(settings.Name, cancellationToken).ConfigureAwait(false) is { } unfinished)
        {
            lines.Add($"Ledger: deployment {unfinished.Record.Id} of {unfinished.Record.Version} is still InProgress; a run would close it as Failed and repeat every step.");
        }

        var previous = await runtime.Ledger.LatestSuccessfulAsync(settings.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        lines.Add(RollbackTargetLine(version, previous));
        var artifacts = PlannedArtifacts(artifactsRoot, lines);
        lines.Add($"Terraform plan of {workspace}: {PlanLine(workspace, new StackVariables(version, artifacts), destroy: false)}");
        lines.AddRange(await new StagingMigrationPlan(staging, runtime.Redactor).DescribeAsync(cancellationToken).ConfigureAwait(false));
        lines.Add($"Functions verified after apply: every function of {workspace}'s {runtime.Contract.FunctionsOutput} output must run the artifact's CodeSha256.");
        var tests = runtime.TestSettings;
        lines.Add($"Tests against {workspace}'s {runtime.Contract.EndpointOutput} output, in this order (the first failure stops the run and rolls back):");
        lines.Add($"  integration: npm run {staging.IntegrationScript} (BASE_URL = the endpoint, API_KEY = {settings.ApiKeySecret}; timeout {Durations.Format(staging.IntegrationTimeout)})");
        lines.Add($"  load test: {PrePromotionTests.DescribeLoad(tests)}");
        lines.Add($"  security probes: headers, CORS, protected routes; OWASP ZAP {(tests.Zap is { } zap ? $"baseline scan ({zap.Kind})" : tests.RequireZap ? "not available: the probes would fail (--require-zap)" : "not available: skipped")}");
        lines.Add($"  smoke suite: each check answered within {tests.SmokeResponseLimit.TotalMilliseconds:0} ms");
        lines.Add(previous is null
            ? "On a failure after the apply: nothing to roll back to. Migrations are forward-only: they are never reverted."
            : $"On a failure after the apply: {previous.Version} is applied again and smoke-tested. Migrations are forward-only: the rollback never reverts them.");
        lines.Add($"Slack notices: {(runtime.Slack is null ? "none (SLACK_WEBHOOK_URL is not set)" : "start, success, failure and rollback")}.");
        return lines;
    }

    private static string RollbackTargetLine(string version, DeploymentRecord? previous)
    {
        if (previous is null)
        {
            return $"Rollback target: none (no successful staging deployment in the ledger); a failure after the apply would leave {version} applied.";
        }

        try
        {
            var keys = DeploymentStages.ArtifactsOf(previous).Select(a => $"{a.Key} {a.Value.S3Key}");
            return $"Rollback target: {previous.Version} (deployment {previous.Id}, the newest successful one in the ledger); an automatic rollback would re-apply its artifacts: {string.Join(", ", keys)}.";
        }
        catch (DeploymentStepException ex)
        {
            return $"Rollback target: {previous.Version} (deployment {previous.Id}), but an automatic rollback would fail: {ex.Message}.";
        }
    }

    private async Task<string> LockLineAsync(CancellationToken cancellationToken)
    {
        try
        {
            var holder = await runtime.Lock.ReadAsync(cancellationToken).ConfigureAwait(false);
            return holder is null
                ? $"Lock: free (locks/{runtime.Settings.Name}.json); a run would take it."
                : $"Lock: HELD by {holder.Owner} (run {holder.RunId}, version {holder.Version}, since {holder.StartedAt:yyyy-MM-dd HH:mm:ss} UTC, lock id {holder.LockId}); a run would stop.";
        }
        catch (DeploymentLockHeldException ex)
        {
            return $"Lock: {ex.Message}";
        }
    }

    private IReadOnlyDictionary<string, StackArtifact> PlannedArtifacts(string artifactsRoot, List<string> lines)
    {
        var path = Storytailor.Core.ArtifactPaths.ManifestIn(artifactsRoot);
        if (!File.Exists(path))
        {
            lines.Add($"Artifacts: {path} does not exist yet (Package runs first in a real run); the plan uses no artifact keys.");
            return new Dictionary<string, StackArtifact>();
        }

        var manifest = ArtifactManifest.Read(path);
        var artifacts = manifest.Packages.ToDictionary(p => runtime.ServiceOf(p.Name), p => new StackArtifact(ArtifactPublisher.KeyFor(p.Name, p.Sha256), p.CodeSha256), StringComparer.Ordinal);
        lines.Add($"Artifacts (would be uploaded when absent): {string.Join(", ", artifacts.Select(a => a.Value.S3Key))}.");
        return artifacts;
    }

    private string PlanLine(string workspace, StackVariables variables, bool destroy)
    {
        try
        {
            return runtime.Stack.Plan(workspace, variables, destroy).Summary.ToString();
        }
        catch (WorkspaceMissingException ex)
        {
            return ex.Message;
        }
        catch (StackException ex)
        {
            return $"could not plan: {ex.Message}";
        }
        catch (AwsServiceException ex)
        {
            return $"could not plan: {ex.Message}";
        }
        catch (JsonException ex)
        {
            return $"could not plan: {ex.Message}";
        }
    }
}
