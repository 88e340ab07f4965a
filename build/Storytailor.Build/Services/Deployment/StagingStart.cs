using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>
/// The first stage of DeployStaging: --force-unlock and the lock, an unfinished staging record closed as failed (staging
/// has one workspace: applying again is safe), the rollback target read from the ledger and the record opened.
/// </summary>
public sealed class StagingStart(DeploymentRuntime runtime)
{
    private readonly DeploymentStages _stages = new(runtime);

    public async Task StartAsync(StagingRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var request = run.Request;
        var (held, refused) = await _stages.AcquireAsync(request, request.Version, cancellationToken).ConfigureAwait(false);
        if (held is null)
        {
            run.Report = refused;
            return;
        }

        run.Lock = held;
        run.StartedAt = runtime.Time.GetUtcNow();
        await CloseUnfinishedAsync(request, cancellationToken).ConfigureAwait(false);
        run.Previous = await runtime.Ledger.LatestSuccessfulAsync(runtime.Settings.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        var (session, unavailable) = await _stages.OpenLedgerAsync(new DeploymentStart(runtime.Settings.Name, request.Version, request.Trigger)
        {
            GitCommit = request.GitCommit,
            PreviousVersion = run.Previous?.Version,
        }, cancellationToken).ConfigureAwait(false);
        if (session is null)
        {
            run.Report = unavailable;
            return;
        }

        run.Session = session;
        var previous = run.Previous;
        await _stages.NotifyAsync(DeploymentEvent.Started, request, null, null, null, null, session.Id, cancellationToken).ConfigureAwait(false);
        await session.RecordStepAsync(DeploymentSteps.Preflight, StepOutcome.Succeeded,
        [
            $"lock {held.LockId} held by {held.Owner} (run {held.RunId})",
            $"deploying {request.Version} to the workspace {run.Workspace}",
            previous is null ? "no previous successful staging deployment in the ledger (nothing to roll back to)" : $"previous successful version {previous.Version} (deployment {previous.Id}): the automatic rollback target",
            request.Artifacts?.OriginFact() ?? "artifacts: the artifacts folder's (source not resolved)",
        ], cancellationToken).ConfigureAwait(false);
        runtime.Log.Information($"Deploying {request.Version} to staging ({run.Workspace}); rollback target: {previous?.Version ?? "none"}.");
    }

    /// <summary>A staging record left InProgress (process killed, runner lost) is closed as failed, in the ledger and the log; this run repeats every step.</summary>
    private async Task CloseUnfinishedAsync(DeploymentRequest request, CancellationToken cancellationToken)
    {
        var unfinished = await runtime.Ledger.FindUnfinishedAsync(runtime.Settings.Name, cancellationToken).ConfigureAwait(false);
        if (unfinished is null)
        {
            return;
        }

        var last = unfinished.Record.Steps.LastOrDefault()?.Name ?? "start";
        var reason = $"interrupted after '{last}'; superseded by run {request.RunId}, which applies {request.Version} and repeats every step (staging has a single workspace: applying again is safe)";
        runtime.Log.Warning($"Unfinished staging deployment {unfinished.Record.Id} of {unfinished.Record.Version} closed as failed: {reason}.");
        await runtime.Ledger.Resume(unfinished).CloseAsync(DeploymentOutcome.Failed, reason, cancellationToken).ConfigureAwait(false);
    }
}
