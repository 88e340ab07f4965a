namespace Storytailor.Deploy;

/// <summary>What to do about an unfinished deployment found at the start of a new run.</summary>
public enum RecoveryAction
{
    /// <summary>No unfinished deployment: start normally.</summary>
    StartNew,

    /// <summary>Continue the unfinished deployment from <see cref="RecoveryDecision.ResumeFromStep"/>.</summary>
    Resume,

    /// <summary>
    /// Roll the unfinished deployment back: blue/green — point the record to <see cref="RecoveryDecision.SwitchRecordTo"/>,
    /// wait for INSYNC, smoke-check it; staging — re-apply <see cref="RecoveryDecision.RollBackToVersion"/>. Then close it RolledBack.
    /// </summary>
    RollBack,

    /// <summary>Close the unfinished record as Failed (nothing public depends on it), then the new deployment may start.</summary>
    CloseAsFailed,

    /// <summary>The rollback had completed; close the record as RolledBack, then the new deployment may start.</summary>
    CloseAsRolledBack,

    /// <summary>The monitoring window and cleanup had passed; close the record as Succeeded.</summary>
    CloseAsSucceeded,

    /// <summary>Do nothing and stop: a human must decide (the reason says what to look at).</summary>
    Refuse,
}

public sealed record RecoveryDecision(RecoveryAction Action, string Reason)
{
    /// <summary>The unfinished deployment the decision is about.</summary>
    public string? DeploymentId { get; init; }

    public string? ResumeFromStep { get; init; }

    public DeploymentColour? SwitchRecordTo { get; init; }

    public string? RollBackToVersion { get; init; }

    /// <summary>True when, after carrying out the action, the requested deployment may start.</summary>
    public bool MayStartNewDeployment { get; init; }
}

/// <summary>
/// Crash recovery: given the newest unfinished ledger record of the environment, the live colour read from
/// the record now and the version this run was asked to deploy, decides resume, roll back, close or refuse.
/// Two rules hold whatever the record says:
/// <list type="bullet">
/// <item>the public record is never left pointing at a colour that did not pass its pre-promotion tests
/// (or had them skipped with a recorded reason): such a state is rolled back, or refused when there is
/// nothing to roll back to;</item>
/// <item>a new deployment never starts over an unfinished one silently: a different version is refused unless
/// the caller explicitly supersedes it, and superseding is refused while the unfinished deployment is live.</item>
/// </list>
/// </summary>
public static class RecoveryPlanner
{
    /// <param name="unfinished">The newest InProgress record of the environment, or null.</param>
    /// <param name="live">The live colour read now (null for an environment without colours).</param>
    /// <param name="requestedVersion">The version this run was asked to deploy.</param>
    /// <param name="supersede">The operator explicitly allowed closing an unfinished deployment of another version (e.g. --supersede).</param>
    public static RecoveryDecision Decide(DeploymentRecord? unfinished, LiveColour? live, string requestedVersion, bool supersede = false)
    {
        if (unfinished is null)
        {
            return new RecoveryDecision(RecoveryAction.StartNew, "No unfinished deployment.") { MayStartNewDeployment = true };
        }

        if (unfinished.Outcome != DeploymentOutcome.InProgress)
        {
            throw new ArgumentException($"Deployment {unfinished.Id} is closed ({unfinished.Outcome}); only unfinished records need recovery.", nameof(unfinished));
        }

        var decision = live is null ? DecideSingle(unfinished, requestedVersion, supersede) : DecideBlueGreen(unfinished, live, requestedVersion, supersede);
        return decision with { DeploymentId = unfinished.Id };
    }

    private static RecoveryDecision DecideBlueGreen(DeploymentRecord record, LiveColour live, string requestedVersion, bool supersede)
    {
        var who = Describe(record);
        var before = record.ColourBefore;
        var target = record.ColourAfter;
        if (target is null)
        {
            return Close(RecoveryAction.CloseAsFailed, $"{who} stopped before choosing a colour; nothing was deployed.");
        }

        if (record.Kind == DeploymentKind.Rollback)
        {
            return DecideInterruptedRollback(record, live, target.Value);
        }

        var switched = live.Colour == target;
        if (!switched && live.Colour != before)
        {
            return Refuse($"{who} expected the record on {Name(before)} or {Name(target)}, but it is on {Name(live.Colour)}. Someone changed it outside the pipeline: check Route 53 and the ledger, then close the record by hand.");
        }

        var tested = Tested(record);
        var rollback = record.Step(DeploymentSteps.Rollback);

        if (rollback is not null)
        {
            if (rollback.Outcome == StepOutcome.Succeeded && !switched)
            {
                return Close(RecoveryAction.CloseAsRolledBack, $"{who} had rolled back to {Name(before)}; the record is there. Closing it RolledBack.");
            }

            return before is null
                ? Refuse($"{who} was rolling back, but it was the first deployment: there is no previous colour. The record points to {Name(live.Colour)}; fix it by hand.")
                : new RecoveryDecision(RecoveryAction.RollBack, $"{who} was rolling back ({rollback.Outcome}); finishing the rollback to {Name(before)}.") { SwitchRecordTo = before };
        }

        if (switched)
        {
            if (!tested)
            {
                return before is null
                    ? Refuse($"{who}: the record points to {Name(target)}, whose pre-promotion tests did not pass, and this was the first deployment (nothing to roll back to). Take the domain out of service or fix it by hand.")
                    : new RecoveryDecision(RecoveryAction.RollBack, $"{who}: the record points to {Name(target)}, whose pre-promotion tests did not pass; rolling back to {Name(before)}.") { SwitchRecordTo = before };
            }

            var monitoring = record.Step(DeploymentSteps.Monitoring);
            if (monitoring?.Outcome == StepOutcome.Failed)
            {
                return before is null
                    ? Refuse($"{who}: monitoring of {Name(target)} failed and this was the first deployment (nothing to roll back to).")
                    : new RecoveryDecision(RecoveryAction.RollBack, $"{who}: monitoring of {Name(target)} failed ({string.Join("; ", monitoring.Facts.TakeLast(3))}); rolling back to {Name(before)}.") { SwitchRecordTo = before };
            }

            if (record.Version != requestedVersion)
            {
                return Refuse($"{who} is live on {Name(target)} and not finished; a deployment of {requestedVersion} cannot start over it (it would overwrite {Name(before)}, the rollback target). Run again with version {record.Version} to finish it, or run Rollback.");
            }

            if (monitoring?.Outcome == StepOutcome.Succeeded)
            {
                return record.Step(DeploymentSteps.Cleanup)?.Outcome is StepOutcome.Succeeded or StepOutcome.Skipped
                    ? Close(RecoveryAction.CloseAsSucceeded, $"{who} had passed monitoring and cleanup; closing it Succeeded.") with { MayStartNewDeployment = false }
                    : Resume(DeploymentSteps.Cleanup, $"{who} passed monitoring on {Name(target)}; resuming at cleanup (the guard re-reads the record).");
            }

            return Resume(DeploymentSteps.Monitoring, $"{who} is live on {Name(target)} (tests passed) but its monitoring window did not finish; resuming with a full window.");
        }

        // Not switched: the public record still points to the colour that was live before.
        if (record.StepSucceeded(DeploymentSteps.Switch))
        {
            return Refuse($"{who} had switched the record to {Name(target)}, but it points to {Name(before)} now and no rollback is recorded. Check Route 53 and the ledger, then close the record by hand.");
        }

        if (record.Steps.FirstOrDefault(s => s.Outcome == StepOutcome.Failed) is { } failed)
        {
            return Close(RecoveryAction.CloseAsFailed, $"{who} had failed at '{failed.Name}' ({string.Join("; ", failed.Facts.TakeLast(2))}); the record still points to {Name(before)}.");
        }

        if (record.Version != requestedVersion)
        {
            return supersede
                ? Close(RecoveryAction.CloseAsFailed, $"{who} never went live (the record points to {Name(before)}); closing it as superseded by {requestedVersion}.")
                : Refuse($"{who} is unfinished (the record still points to {Name(before)}). Run again with version {record.Version} to resume it, or pass --supersede to close it and deploy {requestedVersion}.");
        }

        return Resume(NextStep(record, DeploymentSteps.Production), $"{who} never went live (the record points to {Name(before)}); resuming.");
    }

    /// <summary>
    /// An on-call Rollback moves the record from the colour that was live (<see cref="DeploymentRecord.ColourBefore"/>)
    /// back to <paramref name="target"/>, the colour that was live before the rolled-back deployment, or that colour
    /// re-deployed and tested. It only switches once the target is ready, so a record on the target is where on-call
    /// wanted it: never switched back to the colour being rolled back.
    /// </summary>
    private static RecoveryDecision DecideInterruptedRollback(DeploymentRecord record, LiveColour live, DeploymentColour target)
    {
        var who = $"Unfinished on-call rollback {record.Id} to {Name(target)} (by {record.Trigger.Actor}, run {record.Trigger.RunId ?? "local"}, started {record.StartedAt:yyyy-MM-dd HH:mm} UTC)";
        if (live.Colour == target)
        {
            return Close(RecoveryAction.CloseAsRolledBack, $"{who} had switched the record to {Name(target)}, where it points now; closing it RolledBack (its smoke checks were not recorded: run SmokeTests to confirm).");
        }

        return live.Colour == record.ColourBefore
            ? Close(RecoveryAction.CloseAsFailed, $"{who} stopped before switching; the record still points to {Name(live.Colour)}. Run Rollback again to finish it.")
            : Refuse($"{who} expected the record on {Name(record.ColourBefore)} or {Name(target)}, but it is on {Name(live.Colour)}. Someone changed it outside the pipeline: check Route 53 and the ledger, then close the record by hand.");
    }

    private static RecoveryDecision DecideSingle(DeploymentRecord record, string requestedVersion, bool supersede)
    {
        var who = Describe(record);
        var applied = record.Step(DeploymentSteps.Apply) is not null;
        if (record.Step(DeploymentSteps.Rollback) is { } rollback)
        {
            return rollback.Outcome == StepOutcome.Succeeded
                ? Close(RecoveryAction.CloseAsRolledBack, $"{who} had re-applied {record.PreviousVersion}; closing it RolledBack.")
                : RollBackSingle(record, $"{who} was rolling back ({rollback.Outcome}); finishing it.");
        }

        if (!applied)
        {
            return Close(RecoveryAction.CloseAsFailed, $"{who} stopped before changing infrastructure.");
        }

        if (record.Steps.FirstOrDefault(s => s.Outcome == StepOutcome.Failed) is { } failed)
        {
            return RollBackSingle(record, $"{who} failed at '{failed.Name}' after infrastructure changed and did not finish rolling back.");
        }

        if (record.Version != requestedVersion)
        {
            return supersede
                ? Close(RecoveryAction.CloseAsFailed, $"{who} is closed as superseded by {requestedVersion} (which re-applies the environment).")
                : Refuse($"{who} changed infrastructure and did not finish. Run again with version {record.Version} to resume it, or pass --supersede to close it and deploy {requestedVersion}.");
        }

        return Resume(NextStep(record, DeploymentSteps.Staging), $"{who} did not finish; resuming.");
    }

    private static RecoveryDecision RollBackSingle(DeploymentRecord record, string reason) =>
        record.PreviousVersion is null
            ? Refuse($"{reason} No previous successful version is recorded to re-apply; fix the environment by hand.")
            : new RecoveryDecision(RecoveryAction.RollBack, $"{reason} Re-applying {record.PreviousVersion}.") { RollBackToVersion = record.PreviousVersion };

    /// <summary>Pre-promotion tests passed, or were skipped on purpose with a recorded reason.</summary>
    private static bool Tested(DeploymentRecord record) =>
        record.Step(DeploymentSteps.Tests)?.Outcome switch
        {
            StepOutcome.Succeeded => true,
            StepOutcome.Skipped => record.SkipTests && !string.IsNullOrWhiteSpace(record.SkipTestsReason),
            _ => false,
        };

    /// <summary>The first step of the sequence that has not succeeded (an interrupted step runs again).</summary>
    private static string NextStep(DeploymentRecord record, IReadOnlyList<string> order) =>
        order.FirstOrDefault(step => step == DeploymentSteps.Tests ? !Tested(record) : record.Step(step)?.Outcome is not (StepOutcome.Succeeded or StepOutcome.Skipped)) ?? order[^1];

    private static RecoveryDecision Resume(string step, string reason) =>
        new(RecoveryAction.Resume, reason) { ResumeFromStep = step };

    private static RecoveryDecision Close(RecoveryAction action, string reason) =>
        new(action, reason) { MayStartNewDeployment = true };

    private static RecoveryDecision Refuse(string reason) => new(RecoveryAction.Refuse, reason);

    private static string Describe(DeploymentRecord record) =>
        $"Unfinished deployment {record.Id} of {record.Version} (by {record.Trigger.Actor}, run {record.Trigger.RunId ?? "local"}, started {record.StartedAt:yyyy-MM-dd HH:mm} UTC)";

    private static string Name(DeploymentColour? colour) => colour?.Name() ?? "no colour";
}
