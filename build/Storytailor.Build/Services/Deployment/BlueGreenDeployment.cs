using System.Globalization;
using System.Text.Json;
using Storytailor.Aws;
using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>How a deployment or rollback run ended, for the task and the report.</summary>
public sealed record DeploymentReport(bool Succeeded, DeploymentOutcome? Outcome, string Summary)
{
    /// <summary>The ledger record of the run (null when it stopped before opening one).</summary>
    public string? LedgerKey { get; init; }

    /// <summary>The run was refused before anything changed (held lock, unfinished deployment, bad state).</summary>
    public bool Refused { get; init; }
}

/// <summary>A step failed; the message names the step and the cause. The deployment stops there.</summary>
public sealed class DeploymentStepException(string step, string message) : Exception(message)
{
    public string Step { get; } = step;
}

/// <summary>
/// DeployProduction: blue/green on the public record. Lock → live colour → upload → plan and apply the idle colour's
/// workspace → verify functions → warm-up → pre-promotion tests → switch → monitoring window (automatic rollback) →
/// cleanup of the old colour behind the guard → ledger closed. Every step is written to the ledger with its facts;
/// any failure before the switch leaves the live colour untouched.
/// </summary>
public sealed class BlueGreenDeployment(DeploymentRuntime runtime)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly DeploymentStages _stages = new(runtime);

    public async Task<DeploymentReport> DeployAsync(DeploymentRequest request, string artifactsRoot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = runtime.Settings;
        var log = runtime.Log;
        if (await ForceUnlockAsync(request, cancellationToken).ConfigureAwait(false) is { } refusedUnlock)
        {
            return refusedUnlock;
        }

        var taken = await _stages.TakeLockAsync(request, request.Version, cancellationToken).ConfigureAwait(false);
        if (taken.Held is not { } held)
        {
            return taken.Refused!;
        }

        LedgerSession? session = null;
        var started = runtime.Time.GetUtcNow();
        DeploymentColour? before = null;
        DeploymentColour idle = DeploymentColour.Blue;
        try
        {
            var planner = runtime.Planner;
            var live = await planner.ReadLiveColourAsync(cancellationToken).ConfigureAwait(false);
            if (await RecoverAsync(live, request, cancellationToken).ConfigureAwait(false) is { } refused)
            {
                return refused;
            }

            before = live.Colour;
            idle = live.Idle;
            var previous = await runtime.Ledger.LatestSuccessfulAsync(settings.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
            session = await runtime.Ledger.StartAsync(new DeploymentStart(settings.Name, request.Version, request.Trigger)
            {
                GitCommit = request.GitCommit,
                SkipTests = request.SkipTests,
                SkipTestsReason = request.SkipTestsReason,
                ColourBefore = before,
                ColourAfter = idle,
                PreviousVersion = previous?.Version,
            }, cancellationToken).ConfigureAwait(false);
            if (!session.StoreInSync)
            {
                await session.CloseAsync(DeploymentOutcome.Failed, "the ledger store is unavailable; a deployment does not start without its audit trail", cancellationToken).ConfigureAwait(false);
                return new DeploymentReport(false, DeploymentOutcome.Failed, "The ledger store is unavailable: the deployment did not start (nothing changed).") { LedgerKey = session.Key, Refused = true };
            }

            await NotifyAsync(DeploymentEvent.Started, request, before, idle, null, null, session.Id, cancellationToken).ConfigureAwait(false);
            await session.RecordStepAsync(DeploymentSteps.Preflight, StepOutcome.Succeeded,
            [
                $"lock {held.LockId} held by {held.Owner} (run {held.RunId})",
                live.IsFirstDeployment ? $"first deployment: no record {settings.Domain} yet, deploying to {idle.Name()}" : live.Describe(),
                request.SkipTests ? $"tests skipped: {request.SkipTestsReason}" : "pre-promotion tests will run",
                request.Artifacts?.LedgerFact(request.SkipTests, request.SkipTestsReason) ?? "artifacts: the artifacts folder's (source not resolved)",
            ], cancellationToken).ConfigureAwait(false);
            log.Information(live.IsFirstDeployment
                ? $"First deployment of '{settings.Name}': there is no record {settings.Domain} yet; deploying {request.Version} to {idle.Name()}."
                : $"Deploying {request.Version} to {idle.Name()} ({settings.ColourOf(idle).Workspace}); {live.Describe()}.");

            var artifacts = await StepAsync(session, DeploymentSteps.Upload, () => UploadAsync(artifactsRoot, cancellationToken), cancellationToken).ConfigureAwait(false);
            var applied = await StepAsync(session, DeploymentSteps.Apply, () => Task.FromResult(Apply(idle, new StackVariables(request.Version, artifacts))), cancellationToken).ConfigureAwait(false);
            await StepAsync(session, DeploymentSteps.VerifyFunctions, () => VerifyAsync(applied, artifactsRoot, cancellationToken), cancellationToken).ConfigureAwait(false);
            await StepAsync(session, DeploymentSteps.Warmup, () => WarmUpAsync(applied, cancellationToken), cancellationToken).ConfigureAwait(false);
            await TestsStepAsync(session, request, idle, applied.Endpoint, cancellationToken).ConfigureAwait(false);

            IReadOnlyList<AlarmStatus> firing = [];
            var switched = await StepAsync(session, DeploymentSteps.Switch, async () =>
            {
                // Alarms already firing are read before the switch, so monitoring reports them instead of blaming the new colour.
                firing = await runtime.Monitoring.AlarmsFiringAsync(settings.ColourOf(idle), cancellationToken).ConfigureAwait(false);
                return await SwitchAsync(idle, $"deploy {request.Version}: {before?.Name() ?? "none"} -> {idle.Name()}", cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);

            var monitoring = await MonitorAsync(session, idle, firing.Select(a => a.Name).ToList(), cancellationToken).ConfigureAwait(false);
            if (monitoring.Verdict == MonitoringVerdict.Rollback)
            {
                return await RollBackAfterMonitoringAsync(session, request, before, idle, monitoring, started, cancellationToken).ConfigureAwait(false);
            }

            var cleanup = await CleanupAsync(session, before, idle, switched.InSyncAt ?? runtime.Time.GetUtcNow(), monitoring, previous?.Version ?? request.Version, cancellationToken).ConfigureAwait(false);
            var summary = $"{request.Version} is live on {idle.Name()} ({settings.Domain}); {cleanup}{(monitoring.ColdStartsNotMeasured is { } unmeasured ? $" Note: {unmeasured}." : string.Empty)}";
            await session.CloseAsync(DeploymentOutcome.Succeeded, null, cancellationToken).ConfigureAwait(false);
            await NotifyAsync(DeploymentEvent.Succeeded, request, before, idle, runtime.Time.GetUtcNow() - started, null, session.Id, cancellationToken, monitoring.ColdStartsNotMeasured).ConfigureAwait(false);
            return new DeploymentReport(true, DeploymentOutcome.Succeeded, summary) { LedgerKey = session.Key };
        }
        catch (DeploymentStepException ex) when (session is not null)
        {
            var reason = $"{ex.Step}: {ex.Message}";
            await session.CloseAsync(DeploymentOutcome.Failed, reason, cancellationToken).ConfigureAwait(false);
            await NotifyAsync(DeploymentEvent.Failed, request, before, idle, runtime.Time.GetUtcNow() - started, reason, session.Id, cancellationToken).ConfigureAwait(false);
            var live = before is null ? "there is still no live colour" : $"the live colour is still {before.Value.Name()}";
            return new DeploymentReport(false, DeploymentOutcome.Failed, $"The deployment of {request.Version} to {idle.Name()} failed at '{ex.Step}': {ex.Message} ({live}; ledger {session.Key}).") { LedgerKey = session.Key };
        }
        catch (UnknownRecordTargetException ex)
        {
            return new DeploymentReport(false, null, ex.Message) { Refused = true };
        }
        finally
        {
            await runtime.Lock.ReleaseAsync(held.LockId, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Rollback (on-call): back to the colour that was live before the newest successful deployment. When that colour's
    /// stack still exists, the record is switched back; when it was cleaned up, the version it ran (or --to-version) is
    /// deployed to it first, tested, then switched to. Already on that colour: nothing to do (running twice is safe).
    /// </summary>
    public async Task<DeploymentReport> RollbackAsync(DeploymentRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = runtime.Settings;
        if (await ForceUnlockAsync(request, cancellationToken).ConfigureAwait(false) is { } refusedUnlock)
        {
            return refusedUnlock;
        }

        var live = await runtime.Planner.ReadLiveColourAsync(cancellationToken).ConfigureAwait(false);
        var (decision, last, unfinished) = await PlanRollbackAsync(live, cancellationToken).ConfigureAwait(false);
        if (decision.Target is not { } target)
        {
            return new DeploymentReport(decision.NothingToDo, null, decision.Message) { Refused = !decision.NothingToDo };
        }

        var taken = await _stages.TakeLockAsync(request, $"rollback-to-{target.Name()}", cancellationToken).ConfigureAwait(false);
        if (taken.Held is not { } held)
        {
            return taken.Refused!;
        }

        var started = runtime.Time.GetUtcNow();
        LedgerSession? session = null;
        try
        {
            var stackExists = IsDeployed(settings.ColourOf(target).Workspace, out var outputs) && last!.Step(DeploymentSteps.Cleanup)?.Outcome != StepOutcome.Succeeded;
            var version = request.ToVersion ?? last!.PreviousVersion ?? "unknown";
            session = await runtime.Ledger.StartAsync(new DeploymentStart(settings.Name, stackExists ? version : request.ToVersion ?? version, request.Trigger)
            {
                Kind = DeploymentKind.Rollback,
                ColourBefore = live.Colour,
                ColourAfter = target,
                PreviousVersion = last!.Version,
            }, cancellationToken).ConfigureAwait(false);
            await session.RecordStepAsync(DeploymentSteps.Preflight, StepOutcome.Succeeded,
            [
                $"lock {held.LockId} held by {held.Owner}",
                live.Describe(),
                $"rolling back deployment {last.Id} of {last.Version}: back to {target.Name()}",
                stackExists ? $"{target.Name()} ({settings.ColourOf(target).Workspace}) still exists: switching the record back" : $"{target.Name()} was cleaned up: deploying {version} to it first",
            ], cancellationToken).ConfigureAwait(false);

            if (!stackExists)
            {
                var artifacts = ArtifactsOf(await FindRecordAsync(version, cancellationToken).ConfigureAwait(false));
                var applied = await StepAsync(session, DeploymentSteps.Apply, () => Task.FromResult(Apply(target, new StackVariables(version, artifacts))), cancellationToken).ConfigureAwait(false);
                await StepAsync(session, DeploymentSteps.VerifyFunctions, () => _stages.VerifyRestoredAsync(applied, artifacts, version, cancellationToken), cancellationToken).ConfigureAwait(false);
                await StepAsync(session, DeploymentSteps.Warmup, () => WarmUpAsync(applied, cancellationToken), cancellationToken).ConfigureAwait(false);
                await TestsStepAsync(session, request with { SkipTests = false }, target, applied.Endpoint, cancellationToken).ConfigureAwait(false);
                outputs = runtime.Stack.Outputs(settings.ColourOf(target).Workspace);
            }

            await StepAsync(session, DeploymentSteps.Rollback, async () =>
            {
                var switched = await SwitchAsync(target, $"rollback: {live.Colour?.Name()} -> {target.Name()}", cancellationToken).ConfigureAwait(false);
                var smoke = await runtime.Tests.SmokeAsync(runtime.PublicUrl, runtime.TestSettings, cancellationToken).ConfigureAwait(false);
                if (!smoke.Passed)
                {
                    throw new DeploymentStepException(DeploymentSteps.Rollback, $"the record points to {target.Name()} again, but its smoke checks fail: {string.Join("; ", smoke.Failures)}");
                }

                return new StepResult<SwitchResult>(switched.Value, [.. switched.Facts, $"smoke against {runtime.PublicUrl}: {smoke.Checks.Count} checks passed"]);
            }, cancellationToken).ConfigureAwait(false);

            var reason = $"on-call rollback of {last.Version} to {target.Name()}";
            await session.CloseAsync(DeploymentOutcome.RolledBack, reason, cancellationToken).ConfigureAwait(false);
            if (unfinished is not null)
            {
                await runtime.Ledger.Resume(unfinished).CloseAsync(DeploymentOutcome.RolledBack, $"rolled back to {target.Name()} by on-call run {request.RunId} (rollback {session.Id})", cancellationToken).ConfigureAwait(false);
            }

            await NotifyAsync(DeploymentEvent.RolledBack, request with { Version = last.Version }, live.Colour, target, runtime.Time.GetUtcNow() - started, reason, session.Id, cancellationToken).ConfigureAwait(false);
            return new DeploymentReport(true, DeploymentOutcome.RolledBack, $"Rolled back: {settings.Domain} points to {target.Name()} again (smoke checks pass); ledger {session.Key}.") { LedgerKey = session.Key };
        }
        catch (DeploymentStepException ex) when (session is not null)
        {
            await session.CloseAsync(DeploymentOutcome.Failed, $"{ex.Step}: {ex.Message}", cancellationToken).ConfigureAwait(false);
            return new DeploymentReport(false, DeploymentOutcome.Failed, $"Rollback failed at '{ex.Step}': {ex.Message} (ledger {session.Key}).") { LedgerKey = session.Key };
        }
        finally
        {
            await runtime.Lock.ReleaseAsync(held.LockId, CancellationToken.None).ConfigureAwait(false);
        }
    }

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

    /// <summary>Cleanup on its own (also what a resumed deployment runs): guard, then destroy only when it allows.</summary>
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

    /// <summary>An unfinished deployment of this environment: close it when the planner allows, else refuse.</summary>
    private async Task<DeploymentReport?> RecoverAsync(LiveColour live, DeploymentRequest request, CancellationToken cancellationToken)
    {
        var unfinished = await runtime.Ledger.FindUnfinishedAsync(runtime.Settings.Name, cancellationToken).ConfigureAwait(false);
        var decision = RecoveryPlanner.Decide(unfinished?.Record, live, request.Version, request.Supersede);
        runtime.Log.Information($"Crash recovery: {decision.Action}: {decision.Reason}");
        switch (decision.Action)
        {
            case RecoveryAction.StartNew:
                return null;
            case RecoveryAction.CloseAsFailed or RecoveryAction.CloseAsRolledBack or RecoveryAction.CloseAsSucceeded:
                var outcome = decision.Action switch
                {
                    RecoveryAction.CloseAsRolledBack => DeploymentOutcome.RolledBack,
                    RecoveryAction.CloseAsSucceeded => DeploymentOutcome.Succeeded,
                    _ => DeploymentOutcome.Failed,
                };
                await runtime.Ledger.Resume(unfinished!).CloseAsync(outcome, $"closed by run {request.RunId}: {decision.Reason}", cancellationToken).ConfigureAwait(false);
                return decision.MayStartNewDeployment ? null : new DeploymentReport(true, outcome, decision.Reason);
            case RecoveryAction.Resume when decision.ResumeFromStep is DeploymentSteps.Monitoring or DeploymentSteps.Cleanup:
                return await ResumeLiveDeploymentAsync(unfinished!, decision.ResumeFromStep, request, cancellationToken).ConfigureAwait(false);
            case RecoveryAction.Resume:
                // Not switched yet: the public record still points to the old colour; a fresh run repeats every step safely.
                await runtime.Ledger.Resume(unfinished!).CloseAsync(DeploymentOutcome.Failed, $"interrupted before the switch; superseded by run {request.RunId}, which repeats every step", cancellationToken).ConfigureAwait(false);
                return null;
            case RecoveryAction.RollBack when decision.SwitchRecordTo is { } back:
                var session = runtime.Ledger.Resume(unfinished!);
                var switched = await SwitchAsync(back, $"crash recovery: back to {back.Name()}", cancellationToken).ConfigureAwait(false);
                await session.RecordStepAsync(DeploymentSteps.Rollback, StepOutcome.Succeeded, switched.Facts, cancellationToken).ConfigureAwait(false);
                await session.CloseAsync(DeploymentOutcome.RolledBack, $"crash recovery by run {request.RunId}: {decision.Reason}", cancellationToken).ConfigureAwait(false);
                return new DeploymentReport(false, DeploymentOutcome.RolledBack, $"{decision.Reason} Done: the record points to {back.Name()}. Run the deployment again to deploy {request.Version}.") { Refused = true };
            default:
                return new DeploymentReport(false, null, $"Not started: {decision.Reason}") { Refused = true };
        }
    }

    /// <summary>
    /// Finishes an interrupted deployment that had switched the record to its tested colour: a full monitoring window
    /// (automatic rollback included) when the window had not finished, then the cleanup behind the guard, in its own
    /// ledger record. The report is the deployment's, as if it had never stopped.
    /// </summary>
    private async Task<DeploymentReport> ResumeLiveDeploymentAsync(StoredDeployment unfinished, string fromStep, DeploymentRequest request, CancellationToken cancellationToken)
    {
        var record = unfinished.Record;
        var colour = record.ColourAfter ?? throw new InvalidOperationException($"Deployment {record.Id} has no target colour to resume.");
        var before = record.ColourBefore;
        var session = runtime.Ledger.Resume(unfinished);
        var started = runtime.Time.GetUtcNow();
        var switchedAt = record.Step(DeploymentSteps.Switch)?.EndedAt ?? started;
        runtime.Log.Warning($"Resuming deployment {record.Id} of {record.Version} on {colour.Name()} at '{fromStep}' (run {request.RunId}).");
        await session.RecordStepAsync(DeploymentSteps.Resume, StepOutcome.Succeeded, [$"resumed by run {request.RunId} ({request.Trigger.Actor}) at '{fromStep}' after an interruption"], cancellationToken).ConfigureAwait(false);
        try
        {
            MonitoringResult monitoring;
            if (fromStep == DeploymentSteps.Monitoring)
            {
                monitoring = await MonitorAsync(session, colour, [], cancellationToken).ConfigureAwait(false);
                if (monitoring.Verdict == MonitoringVerdict.Rollback)
                {
                    return await RollBackAfterMonitoringAsync(session, request, before, colour, monitoring, started, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                monitoring = RecordedPass(record.Step(DeploymentSteps.Monitoring)!);
            }

            var cleanup = await CleanupAsync(session, before, colour, switchedAt, monitoring, record.PreviousVersion ?? record.Version, cancellationToken).ConfigureAwait(false);
            await session.CloseAsync(DeploymentOutcome.Succeeded, null, cancellationToken).ConfigureAwait(false);
            await NotifyAsync(DeploymentEvent.Succeeded, request, before, colour, runtime.Time.GetUtcNow() - record.StartedAt, null, session.Id, cancellationToken).ConfigureAwait(false);
            return new DeploymentReport(true, DeploymentOutcome.Succeeded, $"{record.Version} is live on {colour.Name()} ({runtime.Settings.Domain}), resumed at '{fromStep}'; {cleanup}") { LedgerKey = session.Key };
        }
        catch (DeploymentStepException ex)
        {
            var reason = $"{ex.Step}: {ex.Message}";
            await session.CloseAsync(DeploymentOutcome.Failed, reason, cancellationToken).ConfigureAwait(false);
            return new DeploymentReport(false, DeploymentOutcome.Failed, $"Resuming deployment {record.Id} failed at '{ex.Step}': {ex.Message} (ledger {session.Key}).") { LedgerKey = session.Key };
        }
    }

    /// <summary>A monitoring window the ledger records as passed, rebuilt from its "sample N: ..." facts for the cleanup guard.</summary>
    private static MonitoringResult RecordedPass(DeploymentStepRecord step)
    {
        var samples = step.Facts
            .Where(f => f.StartsWith("sample ", StringComparison.Ordinal))
            .Select((fact, i) => new MonitoringSample(i + 1, step.EndedAt ?? step.StartedAt, [], [fact], 0))
            .ToList();
        return new MonitoringResult(MonitoringVerdict.Passed, samples, [], [], step.StartedAt, step.EndedAt ?? step.StartedAt);
    }

    private async Task<StepResult<int>> WarmUpAsync(AppliedStack applied, CancellationToken cancellationToken)
    {
        var facts = new List<string>();
        foreach (var function in applied.Functions.Values.Order(StringComparer.Ordinal))
        {
            InvocationResult invocation;
            try
            {
                invocation = await runtime.Functions.InvokeAsync(function, "{\"warmup\":true}", cancellationToken).ConfigureAwait(false);
            }
            catch (AwsServiceException ex)
            {
                throw new DeploymentStepException(DeploymentSteps.Warmup, $"{function} could not be invoked: {ex.Message}");
            }

            if (!invocation.Succeeded)
            {
                throw new DeploymentStepException(DeploymentSteps.Warmup, $"{function} answered the warm-up with status {invocation.StatusCode}{(invocation.FunctionError is null ? string.Empty : $", error {invocation.FunctionError}")}");
            }

            facts.Add($"{function} warmed up (status {invocation.StatusCode})");
        }

        return new StepResult<int>(facts.Count, facts);
    }

    private async Task TestsStepAsync(LedgerSession session, DeploymentRequest request, DeploymentColour colour, Uri endpoint, CancellationToken cancellationToken)
    {
        if (request.SkipTests)
        {
            runtime.Log.Warning($"Pre-promotion tests of {colour.Name()} SKIPPED (--skip-tests): {request.SkipTestsReason}. Monitoring and automatic rollback still run.");
            await session.RecordStepAsync(DeploymentSteps.Tests, StepOutcome.Skipped, [$"skipped with --skip-tests: {request.SkipTestsReason}"], cancellationToken).ConfigureAwait(false);
            return;
        }

        await StepAsync(session, DeploymentSteps.Tests, async () =>
        {
            var result = await runtime.Tests.RunAsync(endpoint, runtime.TestSettings, cancellationToken).ConfigureAwait(false);
            return result.Passed
                ? new StepResult<PrePromotionResult>(result, result.Facts)
                : throw new DeploymentStepException(DeploymentSteps.Tests, $"pre-promotion tests of {colour.Name()} ({endpoint}) failed: {string.Join("; ", result.Failures)}") { Data = { ["facts"] = result.Facts } };
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<StepResult<SwitchResult>> SwitchAsync(DeploymentColour to, string comment, CancellationToken cancellationToken)
    {
        var result = await runtime.Planner.SwitchAsync(to, comment, cancellationToken).ConfigureAwait(false);
        return result.Succeeded
            ? new StepResult<SwitchResult>(result, result.Facts)
            : throw new DeploymentStepException(DeploymentSteps.Switch, result.Message);
    }

    private async Task<MonitoringResult> MonitorAsync(LedgerSession session, DeploymentColour colour, IReadOnlyList<string> firingBefore, CancellationToken cancellationToken)
    {
        await session.BeginStepAsync(DeploymentSteps.Monitoring, cancellationToken).ConfigureAwait(false);
        if (firingBefore.Count > 0)
        {
            await session.AddFactsAsync(firingBefore.Select(a => $"alarm {a} was already in ALARM before the switch (reported, not counted)"), cancellationToken).ConfigureAwait(false);
        }

        var target = runtime.Settings.ColourOf(colour);
        var (api, unknown) = StackOutputs.ApiOf(runtime.Settings, target, runtime.Stack.Outputs(target.Workspace), runtime.Contract);
        var plan = MonitoringPlan.For(runtime.Settings, colour, api, PublicProbe()) with
        {
            ApiUnknown = unknown,
            AlarmsFiringBeforeSwitch = firingBefore,
            OnSample = (sample, token) => session.AddFactsAsync([sample.Describe(runtime.Settings.ConsecutiveBreaches)], token),
        };
        var result = await runtime.Monitoring.RunAsync(plan, cancellationToken).ConfigureAwait(false);
        await session.EndStepAsync(
            result.Verdict == MonitoringVerdict.Passed ? StepOutcome.Succeeded : StepOutcome.Failed,
            [result.Reason, $"extension: {Durations.Format(result.Extended)} of at most {Durations.Format(result.ExtensionBound)}", result.ColdStartsNotMeasured ?? $"cold starts measured from {string.Join(" and ", result.ColdStartSources.DefaultIfEmpty("(no sample)"))}"],
            cancellationToken).ConfigureAwait(false);
        return result;
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

    private async Task<DeploymentReport> RollBackAfterMonitoringAsync(LedgerSession session, DeploymentRequest request, DeploymentColour? before, DeploymentColour idle, MonitoringResult monitoring, DateTimeOffset started, CancellationToken cancellationToken)
    {
        var metrics = string.Join(", ", monitoring.RollbackBreaches.Select(b => b.Metric).Distinct());
        var why = $"monitoring of {idle.Name()} breached ({metrics}): {monitoring.Reason}";
        if (before is not { } back)
        {
            await session.CloseAsync(DeploymentOutcome.Failed, $"{why}; this was the first deployment, there is no previous colour to roll back to", cancellationToken).ConfigureAwait(false);
            return new DeploymentReport(false, DeploymentOutcome.Failed, $"{why}. This was the first deployment: nothing to roll back to; {idle.Name()} stays live. Act by hand.") { LedgerKey = session.Key };
        }

        runtime.Log.Error($"Automatic rollback to {back.Name()}: {why}.");
        await session.BeginStepAsync(DeploymentSteps.Rollback, cancellationToken).ConfigureAwait(false);
        var switched = await runtime.Planner.SwitchAsync(back, $"automatic rollback: {idle.Name()} -> {back.Name()}", cancellationToken).ConfigureAwait(false);
        var smoke = switched.Succeeded ? await runtime.Tests.SmokeAsync(runtime.PublicUrl, runtime.TestSettings, cancellationToken).ConfigureAwait(false) : null;
        var facts = new List<string>(switched.Facts) { why };
        if (smoke is not null)
        {
            facts.Add(smoke.Passed ? $"smoke against {runtime.PublicUrl} on {back.Name()}: {smoke.Checks.Count} checks passed" : $"smoke on {back.Name()} FAILED: {string.Join("; ", smoke.Failures)}");
        }

        var ok = switched.Succeeded && smoke?.Passed == true;
        await session.EndStepAsync(ok ? StepOutcome.Succeeded : StepOutcome.Failed, facts, cancellationToken).ConfigureAwait(false);
        var reason = ok ? $"automatic rollback to {back.Name()}: {why}" : $"automatic rollback to {back.Name()} did not complete ({switched.Message}); {why}";
        await session.CloseAsync(ok ? DeploymentOutcome.RolledBack : DeploymentOutcome.Failed, reason, cancellationToken).ConfigureAwait(false);
        await NotifyAsync(DeploymentEvent.RolledBack, request, before, idle, runtime.Time.GetUtcNow() - started, reason, session.Id, cancellationToken).ConfigureAwait(false);
        return new DeploymentReport(false, ok ? DeploymentOutcome.RolledBack : DeploymentOutcome.Failed, $"Rolled back: {reason} (ledger {session.Key}).") { LedgerKey = session.Key };
    }

    private async Task<string> CleanupAsync(LedgerSession session, DeploymentColour? before, DeploymentColour idle, DateTimeOffset switchedAt, MonitoringResult monitoring, string oldVersion, CancellationToken cancellationToken)
    {
        if (before is null)
        {
            await session.RecordStepAsync(DeploymentSteps.Cleanup, StepOutcome.Skipped, ["first deployment: there is no old colour to clean up"], cancellationToken).ConfigureAwait(false);
            return "first deployment, nothing to clean up.";
        }

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
            var (destroyed, decision) = await CleanUpOldColourAsync(idle, switchedAt, monitoring, oldVersion, cancellationToken).ConfigureAwait(false);
            await session.EndStepAsync(destroyed ? StepOutcome.Succeeded : StepOutcome.Skipped, [.. decision.Checks.Select(c => $"{(c.Passed ? "ok" : "NO")}: {c.Fact}"), destroyed ? $"terraform destroy of {decision.Workspace} done" : $"{decision.Workspace} kept"], cancellationToken).ConfigureAwait(false);
            return destroyed ? $"old colour {before.Value.Name()} ({decision.Workspace}) destroyed." : $"old colour {before.Value.Name()} kept: {string.Join("; ", decision.Reasons)}.";
        }
        catch (StackException ex)
        {
            await session.EndStepAsync(StepOutcome.Failed, [ex.Message], cancellationToken).ConfigureAwait(false);
            runtime.Log.Warning($"Cleanup of {before.Value.Name()} failed: {ex.Message}");
            return $"old colour {before.Value.Name()} NOT destroyed (terraform destroy failed: {ex.Message}).";
        }
    }

    private bool IsDeployed(string workspace, out IReadOnlyDictionary<string, JsonElement> outputs)
    {
        outputs = runtime.Stack.Outputs(workspace);
        return outputs.ContainsKey(runtime.Contract.EndpointOutput);
    }

    private async Task<DeploymentRecord?> FindRecordAsync(string version, CancellationToken cancellationToken)
    {
        var all = await runtime.Ledger.ListAsync(runtime.Settings.Name, cancellationToken).ConfigureAwait(false);
        return all.Select(s => s.Record).FirstOrDefault(r => r.Version == version && r.StepSucceeded(DeploymentSteps.Upload));
    }

    private Task<DeploymentReport?> ForceUnlockAsync(DeploymentRequest request, CancellationToken cancellationToken) => _stages.ForceUnlockAsync(request, cancellationToken);

    private Task<StepResult<IReadOnlyDictionary<string, StackArtifact>>> UploadAsync(string artifactsRoot, CancellationToken cancellationToken) => _stages.UploadAsync(artifactsRoot, cancellationToken);

    private StepResult<AppliedStack> Apply(DeploymentColour colour, StackVariables variables) => _stages.Apply(runtime.Settings.ColourOf(colour).Workspace, variables);

    private Task<StepResult<FunctionVerificationResult>> VerifyAsync(AppliedStack applied, string artifactsRoot, CancellationToken cancellationToken) => _stages.VerifyAsync(applied, artifactsRoot, cancellationToken);

    private static IReadOnlyDictionary<string, StackArtifact> ArtifactsOf(DeploymentRecord? record) => DeploymentStages.ArtifactsOf(record);

    private Task<T> StepAsync<T>(LedgerSession session, string step, Func<Task<StepResult<T>>> run, CancellationToken cancellationToken) => _stages.StepAsync(session, step, run, cancellationToken);

    private Task NotifyAsync(DeploymentEvent kind, DeploymentRequest request, DeploymentColour? before, DeploymentColour after, TimeSpan? duration, string? reason, string? id, CancellationToken cancellationToken, string? note = null) =>
        _stages.NotifyAsync(kind, request, before, after, duration, reason, id, cancellationToken, note);

    internal static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    internal static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);
}

/// <summary>A step's value and the facts recorded for it in the ledger.</summary>
public sealed record StepResult<T>(T Value, IReadOnlyList<string> Facts);
