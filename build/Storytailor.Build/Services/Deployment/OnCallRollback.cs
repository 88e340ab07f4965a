using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>
/// Rollback (on-call) of production: back to the colour live before the newest successful deployment (or before an
/// unfinished one that had switched the record). Migrations are not reverted: the database stays as the rolled-back
/// release left it (migrations are forward-only and, in a blue/green release, backward-compatible).
/// </summary>
public sealed class OnCallRollback(DeploymentRuntime runtime)
{
    private readonly DeploymentStages _stages = new(runtime);

    /// <summary>
    /// The first stage: --force-unlock when asked, the live colour, the decision, the lock and the rollback's ledger
    /// record. Already on the target: the run's report says there is nothing to do (no lock, no record); no target at
    /// all: the report refuses the run.
    /// </summary>
    public async Task StartAsync(RollbackRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var request = run.Request;
        if (await _stages.ForceUnlockAsync(request, cancellationToken).ConfigureAwait(false) is { } refusedUnlock)
        {
            run.Report = refusedUnlock;
            return;
        }

        var live = await runtime.Planner.ReadLiveColourAsync(cancellationToken).ConfigureAwait(false);
        var (decision, last, unfinished) = await PlanRollbackAsync(live, cancellationToken).ConfigureAwait(false);
        if (decision.Target is not { } target)
        {
            run.Report = new DeploymentReport(decision.NothingToDo, null, decision.Message) { Refused = !decision.NothingToDo };
            return;
        }

        var taken = await _stages.TakeLockAsync(request, $"rollback-to-{target.Name()}", cancellationToken).ConfigureAwait(false);
        if (taken.Held is not { } held)
        {
            run.Report = taken.Refused!;
            return;
        }

        run.Lock = held;
        run.StartedAt = runtime.Time.GetUtcNow();
        run.Live = live;
        run.Target = target;
        run.RolledBack = last;
        run.Unfinished = unfinished;
        run.StackExists = IsDeployed(runtime.Settings.ColourOf(target).Workspace) && last!.Step(DeploymentSteps.Cleanup)?.Outcome != StepOutcome.Succeeded;
        run.Version = request.ToVersion ?? last!.PreviousVersion ?? "unknown";
        run.Session = await OpenRecordAsync(request, live, last!, target, held, run.StackExists, run.Version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The target was cleaned up: the version it ran is applied to it again, verified, warmed up and tested.</summary>
    public Task RestoreAsync(RollbackRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        return RestoreAsync(SessionOf(run), run.Target, run.Version, cancellationToken);
    }

    /// <summary>The record points to the target again (INSYNC), then the smoke suite runs against the public URL.</summary>
    public Task SwitchBackAsync(RollbackRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        return SwitchBackAsync(SessionOf(run), run.Live!, run.Target, cancellationToken);
    }

    /// <summary>Every stage passed: the record closed RolledBack (and an unfinished deployment with it), the notice sent.</summary>
    public async Task<DeploymentReport> SucceedAsync(RollbackRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Report is { } ended)
        {
            return ended;
        }

        var session = SessionOf(run);
        var last = run.RolledBack!;
        var target = run.Target;
        var notReverted = MigrationFacts.NotReverted(MigrationFacts.AppliedBy(last));
        var reason = $"on-call rollback of {last.Version} to {target.Name()}; {notReverted}";
        await session.CloseAsync(DeploymentOutcome.RolledBack, reason, cancellationToken).ConfigureAwait(false);
        if (run.Unfinished is { } unfinished)
        {
            await runtime.Ledger.Resume(unfinished).CloseAsync(DeploymentOutcome.RolledBack, $"rolled back to {target.Name()} by on-call run {run.Request.RunId} (rollback {session.Id})", cancellationToken).ConfigureAwait(false);
        }

        await _stages.NotifyAsync(DeploymentEvent.RolledBack, run.Request with { Version = last.Version }, run.Live!.Colour, target, runtime.Time.GetUtcNow() - run.StartedAt, reason, session.Id, cancellationToken).ConfigureAwait(false);
        run.Report = new DeploymentReport(true, DeploymentOutcome.RolledBack, $"Rolled back: {runtime.Settings.Domain} points to {target.Name()} again (smoke checks pass); {notReverted} (the database keeps every migration applied since); ledger {session.Key}.") { LedgerKey = session.Key };
        return run.Report;
    }

    /// <summary>A stage failed: the record closed Failed with the step and cause (a run that already ended keeps its report).</summary>
    public async Task<DeploymentReport> FailAsync(RollbackRun run, string stage, Exception failure, CancellationToken cancellationToken = default)
    {
        if (DeploymentRunEnd.EndedBeforeFailure(run, stage, failure) is { } ended)
        {
            return ended;
        }

        var session = run.Session!;

        var step = failure is DeploymentStepException stepFailure ? stepFailure.Step : stage;
        await session.CloseAsync(DeploymentOutcome.Failed, $"{step}: {failure.Message}", cancellationToken).ConfigureAwait(false);
        run.Report = new DeploymentReport(false, DeploymentOutcome.Failed, $"Rollback failed at '{step}': {failure.Message} (ledger {session.Key}).") { LedgerKey = session.Key };
        return run.Report;
    }

    private static LedgerSession SessionOf(RollbackRun run) =>
        run.Session ?? throw new InvalidOperationException("The rollback has no ledger record: AcquireRollbackLock did not open it.");

    /// <summary>The rollback's own ledger record, with the facts it starts from.</summary>
    private async Task<LedgerSession> OpenRecordAsync(DeploymentRequest request, LiveColour live, DeploymentRecord last, DeploymentColour target, DeploymentLockInfo held, bool stackExists, string version, CancellationToken cancellationToken)
    {
        var settings = runtime.Settings;
        var session = await runtime.Ledger.StartAsync(new DeploymentStart(settings.Name, stackExists ? version : request.ToVersion ?? version, request.Trigger)
        {
            Kind = DeploymentKind.Rollback,
            ColourBefore = live.Colour,
            ColourAfter = target,
            PreviousVersion = last.Version,
        }, cancellationToken).ConfigureAwait(false);
        await session.RecordStepAsync(DeploymentSteps.Preflight, StepOutcome.Succeeded,
        [
            $"lock {held.LockId} held by {held.Owner}",
            live.Describe(),
            $"rolling back deployment {last.Id} of {last.Version}: back to {target.Name()}",
            stackExists ? $"{target.Name()} ({settings.ColourOf(target).Workspace}) still exists: switching the record back" : $"{target.Name()} was cleaned up: deploying {version} to it first",
        ], cancellationToken).ConfigureAwait(false);
        return session;
    }

    /// <summary>The rollback target was cleaned up: the version it ran (its artifacts from the ledger) is applied to it again, verified, warmed up and tested.</summary>
    private async Task RestoreAsync(LedgerSession session, DeploymentColour target, string version, CancellationToken cancellationToken)
    {
        var artifacts = DeploymentStages.ArtifactsOf(await FindRecordAsync(version, cancellationToken).ConfigureAwait(false));
        var applied = await _stages.StepAsync(session, DeploymentSteps.Apply, () => Task.FromResult(_stages.Apply(runtime.Settings.ColourOf(target).Workspace, new StackVariables(version, artifacts))), cancellationToken).ConfigureAwait(false);
        await _stages.StepAsync(session, DeploymentSteps.VerifyFunctions, () => _stages.VerifyRestoredAsync(applied, artifacts, version, cancellationToken), cancellationToken).ConfigureAwait(false);
        await _stages.StepAsync(session, DeploymentSteps.Warmup, () => _stages.WarmUpAsync(applied, cancellationToken), cancellationToken).ConfigureAwait(false);
        await _stages.TestColourAsync(session, target, applied.Endpoint, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The record points to the target again (INSYNC), then the smoke suite runs against the public URL.</summary>
    private Task<SwitchResult> SwitchBackAsync(LedgerSession session, LiveColour live, DeploymentColour target, CancellationToken cancellationToken) =>
        _stages.StepAsync(session, DeploymentSteps.Rollback, async () =>
        {
            var switched = await _stages.SwitchAsync(target, $"rollback: {live.Colour?.Name()} -> {target.Name()}", cancellationToken).ConfigureAwait(false);
            var smoke = await runtime.Tests.SmokeAsync(runtime.PublicUrl, runtime.TestSettings, cancellationToken).ConfigureAwait(false);
            if (!smoke.Passed)
            {
                throw new DeploymentStepException(DeploymentSteps.Rollback, $"the record points to {target.Name()} again, but its smoke checks fail: {string.Join("; ", smoke.Failures)}");
            }

            return new StepResult<SwitchResult>(switched.Value, [.. switched.Facts, $"smoke against {runtime.PublicUrl}: {smoke.Checks.Count} checks passed"]);
        }, cancellationToken);

    /// <summary>
    /// The deployment Rollback undoes, and where that takes the record. An unfinished deployment that had switched the
    /// record (its runner lost during monitoring or cleanup) comes first: it is what is live, and the newest successful
    /// deployment is older than it. Otherwise the newest successful deployment. Used by the run and its dry run alike.
    /// </summary>
    public async Task<(RollbackDecision Decision, DeploymentRecord? RolledBack, StoredDeployment? Unfinished)> PlanRollbackAsync(LiveColour live, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(live);
        var unfinished = await runtime.Ledger.FindUnfinishedAsync(runtime.Settings.Name, cancellationToken).ConfigureAwait(false);
        if (unfinished?.Record is { Kind: DeploymentKind.Deployment, ColourAfter: { } after, ColourBefore: { } back } open && live.Colour == after && back != after)
        {
            return (new RollbackDecision(back, false, $"Roll back the unfinished deployment {open.Id} of {open.Version}, live on {after.Name()} (its run did not finish): point {runtime.Settings.Domain} to {back.Name()} again."), open, unfinished);
        }

        var last = await runtime.Ledger.LatestSuccessfulAsync(runtime.Settings.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        return (DecideRollback(live, last), last, null);
    }

    /// <summary>Where Rollback would go, or why it goes nowhere.</summary>
    public sealed record RollbackDecision(DeploymentColour? Target, bool NothingToDo, string Message);

    public RollbackDecision DecideRollback(LiveColour live, DeploymentRecord? last)
    {
        ArgumentNullException.ThrowIfNull(live);
        var domain = runtime.Settings.Domain;
        if (live.Colour is null)
        {
            return new RollbackDecision(null, false, $"There is no record {domain}: nothing is live, nothing to roll back.");
        }

        if (last is null)
        {
            return new RollbackDecision(null, false, $"The ledger has no successful deployment of '{runtime.Settings.Name}': nothing to roll back to.");
        }

        if (last.ColourBefore is not { } target)
        {
            return new RollbackDecision(null, false, $"The newest successful deployment {last.Id} of {last.Version} was the first one: there is no previous colour to roll back to.");
        }

        return live.Colour == target
            ? new RollbackDecision(null, true, $"{domain} already points to {target.Name()}, the colour before deployment {last.Id} of {last.Version}: nothing to do.")
            : new RollbackDecision(target, false, $"Roll back {last.Version} on {live.Colour.Value.Name()}: point {domain} to {target.Name()} again.");
    }

    private bool IsDeployed(string workspace) => runtime.Stack.Outputs(workspace).ContainsKey(runtime.Contract.EndpointOutput);

    private async Task<DeploymentRecord?> FindRecordAsync(string version, CancellationToken cancellationToken)
    {
        var all = await runtime.Ledger.ListAsync(runtime.Settings.Name, cancellationToken).ConfigureAwait(false);
        return all.Select(s => s.Record).FirstOrDefault(r => r.Version == version && r.StepSucceeded(DeploymentSteps.Upload));
    }
}
