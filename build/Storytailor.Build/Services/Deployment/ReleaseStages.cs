using Storytailor.Aws;
using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>
/// The stages of DeployProduction after the switch and how a run ends: the monitoring window (automatic rollback on a
/// breach), the guarded cleanup of the old colour, then the ledger closed, the Slack notice and the lock released,
/// whether the run succeeded or a stage failed.
/// </summary>
public sealed class ReleaseStages(DeploymentRuntime runtime)
{
    private readonly DeploymentStages _stages = new(runtime);

    /// <summary>The monitoring window on the new colour; a breach rolls back to the colour before and ends the run (its report is set).</summary>
    public async Task MonitorAsync(ProductionRun run, CancellationToken cancellationToken = default)
    {
        var session = IdleColourStages.SessionOf(run);
        var colour = run.Idle;
        await session.BeginStepAsync(DeploymentSteps.Monitoring, cancellationToken).ConfigureAwait(false);
        if (run.AlarmsFiringBefore.Count > 0)
        {
            await session.AddFactsAsync(run.AlarmsFiringBefore.Select(a => $"alarm {a} was already in ALARM before the switch (reported, not counted)"), cancellationToken).ConfigureAwait(false);
        }

        var target = runtime.Settings.ColourOf(colour);
        var (api, unknown) = StackOutputs.ApiOf(runtime.Settings, target, runtime.Stack.Outputs(target.Workspace), runtime.Contract);
        var plan = MonitoringPlan.For(runtime.Settings, colour, api, PublicProbe()) with
        {
            ApiUnknown = unknown,
            AlarmsFiringBeforeSwitch = run.AlarmsFiringBefore,
            OnSample = (sample, token) => session.AddFactsAsync([sample.Describe(runtime.Settings.ConsecutiveBreaches)], token),
        };
        var result = await runtime.Monitoring.RunAsync(plan, cancellationToken).ConfigureAwait(false);
        await session.EndStepAsync(
            result.Verdict == MonitoringVerdict.Passed ? StepOutcome.Succeeded : StepOutcome.Failed,
            [result.Reason, $"extension: {Durations.Format(result.Extended)} of at most {Durations.Format(result.ExtensionBound)}", result.ColdStartsNotMeasured ?? $"cold starts measured from {string.Join(" and ", result.ColdStartSources.DefaultIfEmpty("(no sample)"))}"],
            cancellationToken).ConfigureAwait(false);
        run.Monitoring = result;
        if (result.Verdict == MonitoringVerdict.Rollback)
        {
            run.Report = await RollBackAfterMonitoringAsync(run, session, result, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The first sample runs the full smoke suite against the public URL (once after the switch); later samples the light probe.</summary>
    private SmokeProbe PublicProbe()
    {
        var first = true;
        return async cancellationToken =>
        {
            var full = first;
            first = false;
            var smoke = full
                ? await runtime.Tests.SmokeAsync(runtime.PublicUrl, runtime.TestSettings, cancellationToken).ConfigureAwait(false)
                : await runtime.Tests.ProbeAsync(runtime.PublicUrl, runtime.TestSettings, cancellationToken).ConfigureAwait(false);
            var kind = full ? "full smoke suite" : "light probe";
            return new SmokeProbeResult(smoke.Passed, smoke.Passed ? $"{kind}, {smoke.Checks.Count} checks against {runtime.PublicUrl}" : $"{kind}: {string.Join("; ", smoke.Failures)}");
        };
    }

    private async Task<DeploymentReport> RollBackAfterMonitoringAsync(ProductionRun run, LedgerSession session, MonitoringResult monitoring, CancellationToken cancellationToken)
    {
        var idle = run.Idle;
        var metrics = string.Join(", ", monitoring.RollbackBreaches.Select(b => b.Metric).Distinct());
        var why = $"monitoring of {idle.Name()} breached ({metrics}): {monitoring.Reason}";
        if (run.Before is not { } back)
        {
            await session.CloseAsync(DeploymentOutcome.Failed, $"{why}; this was the first deployment, there is no previous colour to roll back to", cancellationToken).ConfigureAwait(false);
            return new DeploymentReport(false, DeploymentOutcome.Failed, $"{why}. This was the first deployment: nothing to roll back to; {idle.Name()} stays live. Act by hand.") { LedgerKey = session.Key };
        }

        runtime.Log.Error($"Automatic rollback to {back.Name()}: {why}.");
        await session.BeginStepAsync(DeploymentSteps.Rollback, cancellationToken).ConfigureAwait(false);
        var switched = await runtime.Planner.SwitchAsync(back, $"automatic rollback: {idle.Name()} -> {back.Name()}", cancellationToken).ConfigureAwait(false);
        var smoke = switched.Succeeded ? await runtime.Tests.SmokeAsync(runtime.PublicUrl, runtime.TestSettings, cancellationToken).ConfigureAwait(false) : null;
        var notReverted = MigrationFacts.NotReverted(run.Resumed is { } resumed ? MigrationFacts.AppliedBy(resumed.Record) : run.AppliedMigrations);
        var facts = new List<string>(switched.Facts) { why, notReverted };
        if (smoke is not null)
        {
            facts.Add(smoke.Passed ? $"smoke against {runtime.PublicUrl} on {back.Name()}: {smoke.Checks.Count} checks passed" : $"smoke on {back.Name()} FAILED: {string.Join("; ", smoke.Failures)}");
        }

        var ok = switched.Succeeded && smoke?.Passed == true;
        await session.EndStepAsync(ok ? StepOutcome.Succeeded : StepOutcome.Failed, facts, cancellationToken).ConfigureAwait(false);
        var reason = ok ? $"automatic rollback to {back.Name()}: {why}" : $"automatic rollback to {back.Name()} did not complete ({switched.Message}); {why}";
        await session.CloseAsync(ok ? DeploymentOutcome.RolledBack : DeploymentOutcome.Failed, reason, cancellationToken).ConfigureAwait(false);
        await _stages.NotifyAsync(DeploymentEvent.RolledBack, run.Request, run.Before, idle, runtime.Time.GetUtcNow() - run.StartedAt, reason, session.Id, cancellationToken).ConfigureAwait(false);
        return new DeploymentReport(false, ok ? DeploymentOutcome.RolledBack : DeploymentOutcome.Failed, $"Rolled back: {reason}; {notReverted} (ledger {session.Key}).") { LedgerKey = session.Key };
    }

    /// <summary>After 2 × TTL since the switch, the old colour is destroyed when the cleanup guard allows; a failed destroy is reported, not fatal.</summary>
    public async Task CleanupAsync(ProductionRun run, CancellationToken cancellationToken = default)
    {
        var session = IdleColourStages.SessionOf(run);
        var before = run.Before ?? throw new InvalidOperationException("A first deployment has no old colour to clean up.");
        var switchedAt = run.SwitchedAt ?? runtime.Time.GetUtcNow();

        // Resolvers may hold the old target for the record's TTL: wait until 2 × TTL passed since the switch.
        var ttlWait = switchedAt + TimeSpan.FromSeconds(2 * runtime.Settings.RecordTtl) - runtime.Time.GetUtcNow();
        if (ttlWait > TimeSpan.Zero)
        {
            runtime.Log.Information($"Waiting {Durations.Format(ttlWait)} (2 × TTL since the switch) before the cleanup decision.");
            await Task.Delay(ttlWait + TimeSpan.FromMilliseconds(50), runtime.Time, cancellationToken).ConfigureAwait(false);
        }

        await session.BeginStepAsync(DeploymentSteps.Cleanup, cancellationToken).ConfigureAwait(false);
        try
        {
            var (destroyed, decision) = await CleanUpOldColourAsync(run.Idle, switchedAt, run.Monitoring, run.OldVersion, cancellationToken).ConfigureAwait(false);
            await session.EndStepAsync(destroyed ? StepOutcome.Succeeded : StepOutcome.Skipped, [.. decision.Checks.Select(c => $"{(c.Passed ? "ok" : "NO")}: {c.Fact}"), destroyed ? $"terraform destroy of {decision.Workspace} done" : $"{decision.Workspace} kept"], cancellationToken).ConfigureAwait(false);
            run.CleanupSummary = destroyed ? $"old colour {before.Name()} ({decision.Workspace}) destroyed." : $"old colour {before.Name()} kept: {string.Join("; ", decision.Reasons)}.";
        }
        catch (StackException ex)
        {
            await session.EndStepAsync(StepOutcome.Failed, [ex.Message], cancellationToken).ConfigureAwait(false);
            runtime.Log.Warning($"Cleanup of {before.Name()} failed: {ex.Message}");
            run.CleanupSummary = $"old colour {before.Name()} NOT destroyed (terraform destroy failed: {ex.Message}).";
        }
    }

    /// <summary>A first deployment: the ledger records the cleanup as skipped.</summary>
    public async Task RecordCleanupSkippedAsync(ProductionRun run, CancellationToken cancellationToken = default)
    {
        await IdleColourStages.SessionOf(run).RecordStepAsync(DeploymentSteps.Cleanup, StepOutcome.Skipped, ["first deployment: there is no old colour to clean up"], cancellationToken).ConfigureAwait(false);
        run.CleanupSummary = "first deployment, nothing to clean up.";
    }

    /// <summary>Cleanup on its own: guard, then destroy only when it allows.</summary>
    public async Task<(bool Destroyed, CleanupDecision Decision)> CleanUpOldColourAsync(DeploymentColour newColour, DateTimeOffset switchedAt, MonitoringResult? monitoring, string version, CancellationToken cancellationToken = default)
    {
        var old = runtime.Settings.ColourOf(newColour.Other());
        var (oldApi, unknown) = StackOutputs.ApiOf(runtime.Settings, old, runtime.Stack.Outputs(old.Workspace), runtime.Contract);
        var decision = await runtime.Guard.DecideAsync(new CleanupRequest(newColour, switchedAt, monitoring, oldApi) { ApiUnknown = unknown }, cancellationToken).ConfigureAwait(false);
        if (!decision.MayDestroy)
        {
            return (false, decision);
        }

        runtime.Stack.Destroy(decision.Workspace, new StackVariables(version, new Dictionary<string, StackArtifact>()));
        runtime.Log.Information($"terraform destroy of {decision.Workspace} ({decision.Colour.Name()}) done.");
        return (true, decision);
    }

    /// <summary>Every stage passed: the ledger closed as succeeded and the Slack notice sent (a run that ended earlier keeps its report).</summary>
    public async Task<DeploymentReport> SucceedAsync(ProductionRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Report is { } ended)
        {
            return ended;
        }

        var session = IdleColourStages.SessionOf(run);
        var idle = run.Idle;
        var note = run.Monitoring?.ColdStartsNotMeasured;
        var summary = run.Resumed is { } resumed
            ? $"{resumed.Record.Version} is live on {idle.Name()} ({runtime.Settings.Domain}), resumed at '{resumed.FromStep}'; {run.CleanupSummary}"
            : $"{run.Request.Version} is live on {idle.Name()} ({runtime.Settings.Domain}); {run.CleanupSummary}{(note is { } unmeasured ? $" Note: {unmeasured}." : string.Empty)}";

        await session.CloseAsync(DeploymentOutcome.Succeeded, null, cancellationToken).ConfigureAwait(false);
        await _stages.NotifyAsync(DeploymentEvent.Succeeded, run.Request, run.Before, idle, runtime.Time.GetUtcNow() - run.StartedAt, null, session.Id, cancellationToken, run.Resumed is null ? note : null).ConfigureAwait(false);
        run.Report = new DeploymentReport(true, DeploymentOutcome.Succeeded, summary) { LedgerKey = session.Key };
        return run.Report;
    }

    /// <summary>
    /// A stage failed: the ledger record is closed as failed with the stage and cause, the Slack notice sent, and the
    /// report says where the live colour is. A run that already ended (refused, rolled back) keeps its report.
    /// </summary>
    public async Task<DeploymentReport> FailAsync(ProductionRun run, string stage, Exception failure, CancellationToken cancellationToken = default)
    {
        if (DeploymentRunEnd.EndedBeforeFailure(run, stage, failure) is { } ended)
        {
            return ended;
        }

        var session = run.Session!;

        var step = failure is DeploymentStepException stepFailure ? stepFailure.Step : stage;
        var reason = $"{step}: {failure.Message}";
        await session.CloseAsync(DeploymentOutcome.Failed, reason, cancellationToken).ConfigureAwait(false);
        if (run.Resumed is { } resumed)
        {
            run.Report = new DeploymentReport(false, DeploymentOutcome.Failed, $"Resuming deployment {resumed.Id} failed at '{step}': {failure.Message} (ledger {session.Key}).") { LedgerKey = session.Key };
            return run.Report;
        }

        await _stages.NotifyAsync(DeploymentEvent.Failed, run.Request, run.Before, run.Idle, runtime.Time.GetUtcNow() - run.StartedAt, reason, session.Id, cancellationToken).ConfigureAwait(false);
        var live = run.Before is null ? "there is still no live colour" : $"the live colour is still {run.Before.Value.Name()}";
        if (run.AppliedMigrations.Count > 0)
        {
            live += "; " + MigrationFacts.NotReverted(run.AppliedMigrations);
        }

        run.Report = new DeploymentReport(false, DeploymentOutcome.Failed, $"The deployment of {run.Request.Version} to {run.Idle.Name()} failed at '{step}': {failure.Message} ({live}; ledger {session.Key}).") { LedgerKey = session.Key };
        return run.Report;
    }

}
