using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>
/// How a DeployStaging run ends: every stage passed (ledger closed Succeeded), or a stage failed: before the apply the
/// record is closed Failed (nothing was applied); after it, the previous successful version is applied again from the
/// ledger and smoke-tested (automatic rollback). Migrations are forward-only: never reverted, and the report says so.
/// The lock is released once, whichever stage ended the run.
/// </summary>
public sealed class StagingEnd(DeploymentRuntime runtime)
{
    private readonly DeploymentStages _stages = new(runtime);

    public async Task<DeploymentReport> SucceedAsync(StagingRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Report is { } ended)
        {
            return ended;
        }

        var session = StagingStages.SessionOf(run);
        await session.CloseAsync(DeploymentOutcome.Succeeded, null, cancellationToken).ConfigureAwait(false);
        await _stages.NotifyAsync(DeploymentEvent.Succeeded, run.Request, null, null, runtime.Time.GetUtcNow() - run.StartedAt, null, session.Id, cancellationToken).ConfigureAwait(false);
        var passed = new DeploymentReport(true, DeploymentOutcome.Succeeded, $"{run.Request.Version} is deployed to staging ({run.Applied?.Endpoint}); every test passed.") { LedgerKey = session.Key };
        run.Report = await runtime.ArtifactSources.RecordStagingPassAsync(passed, run.Request, run.ArtifactsRoot, session.Id, runtime.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return run.Report;
    }

    public async Task<DeploymentReport> FailAsync(StagingRun run, string stage, Exception failure, CancellationToken cancellationToken = default)
    {
        if (DeploymentRunEnd.EndedBeforeFailure(run, stage, failure) is { } ended)
        {
            return ended;
        }

        var session = run.Session!;

        var step = failure is DeploymentStepException stepFailure ? stepFailure.Step : stage;
        if (run.InfrastructureChanged)
        {
            run.Report = await RollBackAsync(run, session, step, failure, cancellationToken).ConfigureAwait(false);
            return run.Report;
        }

        var reason = $"{step}: {failure.Message}";
        await session.CloseAsync(DeploymentOutcome.Failed, reason, cancellationToken).ConfigureAwait(false);
        await _stages.NotifyAsync(DeploymentEvent.Failed, run.Request, null, null, runtime.Time.GetUtcNow() - run.StartedAt, reason, session.Id, cancellationToken).ConfigureAwait(false);
        run.Report = new DeploymentReport(false, DeploymentOutcome.Failed, $"DeployStaging of {run.Request.Version} failed at '{step}': {failure.Message} (nothing was applied; ledger {session.Key}).") { LedgerKey = session.Key };
        return run.Report;
    }


    /// <summary>
    /// After a failure past the apply: the previous successful version is applied again (its artifact keys come from
    /// the ledger), then the smoke suite runs against it. Migrations are not reverted (forward-only).
    /// </summary>
    private async Task<DeploymentReport> RollBackAsync(StagingRun run, LedgerSession session, string step, Exception failure, CancellationToken cancellationToken)
    {
        var request = run.Request;
        var workspace = run.Workspace;
        var previous = run.Previous;
        var migrated = run.Migrated;
        var started = run.StartedAt;
        var why = $"{step}: {failure.Message}";
        var forwardOnly = migrated
            ? $"migrations are forward-only: the staging database keeps the migrations applied by {request.Version} (not reverted)"
            : $"migrations are forward-only (none of {request.Version} were applied before the failure)";
        await session.BeginStepAsync(DeploymentSteps.Rollback, cancellationToken).ConfigureAwait(false);
        if (previous is null)
        {
            var none = $"no previous successful staging deployment in the ledger: nothing to roll back to, {request.Version} stays applied";
            await session.EndStepAsync(StepOutcome.Failed, [none, forwardOnly], cancellationToken).ConfigureAwait(false);
            var closing = $"{why}; {none}; {forwardOnly}";
            await session.CloseAsync(DeploymentOutcome.Failed, closing, cancellationToken).ConfigureAwait(false);
            await _stages.NotifyAsync(DeploymentEvent.Failed, request, null, null, runtime.Time.GetUtcNow() - started, closing, session.Id, cancellationToken).ConfigureAwait(false);
            return new DeploymentReport(false, DeploymentOutcome.Failed, $"DeployStaging of {request.Version} failed at '{step}': {failure.Message}. {char.ToUpperInvariant(none[0])}{none[1..]}; {forwardOnly} (ledger {session.Key}).") { LedgerKey = session.Key };
        }

        runtime.Log.Error($"Automatic rollback of staging to {previous.Version}: {why}.");
        var facts = new List<string> { why, $"re-applying {previous.Version} (deployment {previous.Id})" };
        var ok = false;
        string outcome;
        try
        {
            var artifacts = DeploymentStages.ArtifactsOf(previous);
            var applied = _stages.Apply(workspace, new StackVariables(previous.Version, artifacts));
            facts.AddRange(applied.Facts);
            var smoke = await runtime.Tests.SmokeAsync(applied.Value.Endpoint, runtime.TestSettings, cancellationToken).ConfigureAwait(false);
            smoke.WriteJson(runtime.Artifacts, "deploy/smoke-staging-rollback.json");
            ok = smoke.Passed;
            outcome = ok
                ? $"smoke against {applied.Value.Endpoint} on {previous.Version}: {smoke.Checks.Count} checks passed"
                : $"smoke against {applied.Value.Endpoint} on {previous.Version} FAILED: {string.Join("; ", smoke.Failures)}";
        }
        catch (DeploymentStepException ex)
        {
            outcome = $"re-applying {previous.Version} failed: {ex.Message}";
        }
        catch (StackException ex)
        {
            outcome = $"re-applying {previous.Version} failed: {ex.Message}";
        }

        facts.Add(outcome);
        facts.Add(forwardOnly);
        await session.EndStepAsync(ok ? StepOutcome.Succeeded : StepOutcome.Failed, facts, cancellationToken).ConfigureAwait(false);
        var reason = ok
            ? $"automatic rollback to {previous.Version} after {why}; {forwardOnly}"
            : $"automatic rollback to {previous.Version} did not complete ({outcome}) after {why}; {forwardOnly}";
        await session.CloseAsync(ok ? DeploymentOutcome.RolledBack : DeploymentOutcome.Failed, reason, cancellationToken).ConfigureAwait(false);
        await _stages.NotifyAsync(ok ? DeploymentEvent.RolledBack : DeploymentEvent.Failed, request, null, null, runtime.Time.GetUtcNow() - started, reason, session.Id, cancellationToken).ConfigureAwait(false);
        var summary = ok
            ? $"DeployStaging of {request.Version} failed at '{step}': {failure.Message}. Rolled back automatically: {previous.Version} is applied again and its smoke checks pass; {forwardOnly} (ledger {session.Key})."
            : $"DeployStaging of {request.Version} failed at '{step}': {failure.Message}. The automatic rollback to {previous.Version} did not complete: {outcome}. Act by hand; {forwardOnly} (ledger {session.Key}).";
        return new DeploymentReport(false, ok ? DeploymentOutcome.RolledBack : DeploymentOutcome.Failed, summary) { LedgerKey = session.Key };
    }
}
