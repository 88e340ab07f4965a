using Storytailor.Aws;
using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>
/// The first stage of DeployProduction: --force-unlock, the environment's lock, the live colour, crash recovery of an
/// unfinished deployment (close, resume or roll back, as the recovery planner decides) and the ledger record opened.
/// A run that may not start ends here with its report in the run state; nothing has changed then.
/// </summary>
public sealed class ProductionStart(DeploymentRuntime runtime)
{
    private readonly DeploymentStages _stages = new(runtime);

    public async Task StartAsync(ProductionRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var request = run.Request;
        var (acquired, refused) = await _stages.AcquireAsync(request, request.Version, cancellationToken).ConfigureAwait(false);
        if (acquired is not { } held)
        {
            run.Report = refused;
            return;
        }

        run.Lock = held;
        run.StartedAt = runtime.Time.GetUtcNow();
        LiveColour live;
        try
        {
            live = await runtime.Planner.ReadLiveColourAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (UnknownRecordTargetException ex)
        {
            run.Report = new DeploymentReport(false, null, ex.Message) { Refused = true };
            return;
        }

        if (await RecoverAsync(run, live, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await OpenLedgerAsync(run, live, held, cancellationToken).ConfigureAwait(false);
    }

    private async Task OpenLedgerAsync(ProductionRun run, LiveColour live, DeploymentLockInfo held, CancellationToken cancellationToken)
    {
        var settings = runtime.Settings;
        var request = run.Request;
        run.Before = live.Colour;
        run.Idle = live.Idle;
        var previous = await runtime.Ledger.LatestSuccessfulAsync(settings.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        run.OldVersion = previous?.Version ?? request.Version;
        var (opened, unavailable) = await _stages.OpenLedgerAsync(new DeploymentStart(settings.Name, request.Version, request.Trigger)
        {
            GitCommit = request.GitCommit,
            SkipTests = request.SkipTests,
            SkipTestsReason = request.SkipTestsReason,
            ColourBefore = run.Before,
            ColourAfter = run.Idle,
            PreviousVersion = previous?.Version,
        }, cancellationToken).ConfigureAwait(false);
        if (opened is not { } session)
        {
            run.Report = unavailable;
            return;
        }

        run.Session = session;
        await _stages.NotifyAsync(DeploymentEvent.Started, request, run.Before, run.Idle, null, null, session.Id, cancellationToken).ConfigureAwait(false);
        await session.RecordStepAsync(DeploymentSteps.Preflight, StepOutcome.Succeeded,
        [
            $"lock {held.LockId} held by {held.Owner} (run {held.RunId})",
            live.IsFirstDeployment ? $"first deployment: no record {settings.Domain} yet, deploying to {run.Idle.Name()}" : live.Describe(),
            request.SkipTests ? $"Ci gates and pre-promotion tests skipped (--skip-tests): {request.SkipTestsReason}" : "Ci gates passed; pre-promotion tests will run",
            request.Artifacts?.LedgerFact(request.SkipTests, request.SkipTestsReason) ?? "artifacts: the artifacts folder's (source not resolved)",
        ], cancellationToken).ConfigureAwait(false);
        runtime.Log.Information(live.IsFirstDeployment
            ? $"First deployment of '{settings.Name}': there is no record {settings.Domain} yet; deploying {request.Version} to {run.Idle.Name()}."
            : $"Deploying {request.Version} to {run.Idle.Name()} ({settings.ColourOf(run.Idle).Workspace}); {live.Describe()}.");
    }

    /// <summary>An unfinished deployment of this environment, handled as the recovery planner decides; true when that ended or redirected this run.</summary>
    private async Task<bool> RecoverAsync(ProductionRun run, LiveColour live, CancellationToken cancellationToken)
    {
        var request = run.Request;
        var unfinished = await runtime.Ledger.FindUnfinishedAsync(runtime.Settings.Name, cancellationToken).ConfigureAwait(false);
        var decision = RecoveryPlanner.Decide(unfinished?.Record, live, request.Version, request.Supersede);
        runtime.Log.Information($"Crash recovery: {decision.Action}: {decision.Reason}");
        switch (decision.Action)
        {
            case RecoveryAction.StartNew:
                return false;
            case RecoveryAction.CloseAsFailed or RecoveryAction.CloseAsRolledBack or RecoveryAction.CloseAsSucceeded:
                var outcome = decision.Action switch
                {
                    RecoveryAction.CloseAsRolledBack => DeploymentOutcome.RolledBack,
                    RecoveryAction.CloseAsSucceeded => DeploymentOutcome.Succeeded,
                    _ => DeploymentOutcome.Failed,
                };
                await runtime.Ledger.Resume(unfinished!).CloseAsync(outcome, $"closed by run {request.RunId}: {decision.Reason}", cancellationToken).ConfigureAwait(false);
                if (decision.MayStartNewDeployment)
                {
                    return false;
                }

                run.Report = new DeploymentReport(true, outcome, decision.Reason);
                return true;
            case RecoveryAction.Resume when decision.ResumeFromStep is DeploymentSteps.Monitoring or DeploymentSteps.Cleanup:
                await ResumeAsync(run, unfinished!, decision.ResumeFromStep, cancellationToken).ConfigureAwait(false);
                return true;
            case RecoveryAction.Resume:
                // Not switched yet: the public record still points to the old colour; a fresh run repeats every step safely.
                await runtime.Ledger.Resume(unfinished!).CloseAsync(DeploymentOutcome.Failed, $"interrupted before the switch; superseded by run {request.RunId}, which repeats every step", cancellationToken).ConfigureAwait(false);
                return false;
            case RecoveryAction.RollBack when decision.SwitchRecordTo is { } back:
                var session = runtime.Ledger.Resume(unfinished!);
                var switched = await _stages.SwitchAsync(back, $"crash recovery: back to {back.Name()}", cancellationToken).ConfigureAwait(false);
                await session.RecordStepAsync(DeploymentSteps.Rollback, StepOutcome.Succeeded, switched.Facts, cancellationToken).ConfigureAwait(false);
                await session.CloseAsync(DeploymentOutcome.RolledBack, $"crash recovery by run {request.RunId}: {decision.Reason}", cancellationToken).ConfigureAwait(false);
                run.Report = new DeploymentReport(false, DeploymentOutcome.RolledBack, $"{decision.Reason} Done: the record points to {back.Name()}. Run the deployment again to deploy {request.Version}.") { Refused = true };
                return true;
            default:
                run.Report = new DeploymentReport(false, null, $"Not started: {decision.Reason}") { Refused = true };
                return true;
        }
    }

    /// <summary>
    /// Takes over an interrupted deployment that had switched the record to its tested colour: the same ledger record,
    /// from the monitoring window (not finished) or the cleanup. The stages before it are done and do not run again.
    /// </summary>
    private async Task ResumeAsync(ProductionRun run, StoredDeployment unfinished, string fromStep, CancellationToken cancellationToken)
    {
        var record = unfinished.Record;
        var request = run.Request;
        run.Idle = record.ColourAfter ?? throw new InvalidOperationException($"Deployment {record.Id} has no target colour to resume.");
        run.Before = record.ColourBefore;
        run.StartedAt = record.StartedAt;
        run.SwitchedAt = record.Step(DeploymentSteps.Switch)?.EndedAt ?? runtime.Time.GetUtcNow();
        run.OldVersion = record.PreviousVersion ?? record.Version;
        run.Monitoring = fromStep == DeploymentSteps.Cleanup ? RecordedPass(record.Step(DeploymentSteps.Monitoring)!) : null;
        run.Resumed = new ResumedDeployment(record.Id, fromStep, record);
        run.Session = runtime.Ledger.Resume(unfinished);
        runtime.Log.Warning($"Resuming deployment {record.Id} of {record.Version} on {run.Idle.Name()} at '{fromStep}' (run {request.RunId}).");
        await run.Session.RecordStepAsync(DeploymentSteps.Resume, StepOutcome.Succeeded, [$"resumed by run {request.RunId} ({request.Trigger.Actor}) at '{fromStep}' after an interruption"], cancellationToken).ConfigureAwait(false);
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
}
