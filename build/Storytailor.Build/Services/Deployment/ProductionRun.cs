using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>
/// The run state of one DeployProduction, shared by its stage tasks through the build context: what is deployed,
/// the lock held, the ledger session, the live and idle colour, what each stage produced, and, once the run ended,
/// its report. Stages read it, call one service and record their result here; the decisions stay in the services.
/// </summary>
public sealed class ProductionRun(DeploymentRuntime runtime, DeploymentRequest request, string artifactsRoot) : IDeploymentRun
{
    /// <summary>What the runtime owns (AWS and HTTP clients), disposed when the run ends.</summary>
    public IDisposable? Resources { get; init; }

    public void Dispose() => Resources?.Dispose();

    public DeploymentRuntime Runtime { get; } = runtime;

    public DeploymentRequest Request { get; } = request;

    /// <summary>The folder holding manifest.json and the packages.</summary>
    public string ArtifactsRoot { get; } = artifactsRoot;

    public DateTimeOffset StartedAt { get; set; } = runtime.Time.GetUtcNow();

    public DeploymentLockInfo? Lock { get; set; }

    /// <summary>True once the lock was released (it is released once, whichever stage ended the run).</summary>
    public bool LockReleased { get; set; }

    public LedgerSession? Session { get; set; }

    /// <summary>The colour the record pointed to when the run started (null: first deployment).</summary>
    public DeploymentColour? Before { get; set; }

    /// <summary>The colour this run deploys to and switches the record to.</summary>
    public DeploymentColour Idle { get; set; } = DeploymentColour.Blue;

    /// <summary>The version the cleanup's Terraform destroy names (the previous successful one).</summary>
    public string OldVersion { get; set; } = request.Version;

    public IReadOnlyDictionary<string, StackArtifact> Artifacts { get; set; } = new Dictionary<string, StackArtifact>();

    /// <summary>The migration files this run applied to the production database (never reverted).</summary>
    public IReadOnlyList<string> AppliedMigrations { get; set; } = [];

    public AppliedStack? Applied { get; set; }

    /// <summary>Alarms already in ALARM before the switch (reported by the monitoring, not counted).</summary>
    public IReadOnlyList<string> AlarmsFiringBefore { get; set; } = [];

    public SwitchResult? Switched { get; set; }

    /// <summary>When the record reached INSYNC on the idle colour (the cleanup waits 2 × TTL from here).</summary>
    public DateTimeOffset? SwitchedAt { get; set; }

    public MonitoringResult? Monitoring { get; set; }

    /// <summary>What the cleanup did, for the summary.</summary>
    public string? CleanupSummary { get; set; }

    /// <summary>Set when a later run takes over an interrupted deployment: its id and the first step still to do.</summary>
    public ResumedDeployment? Resumed { get; set; }

    /// <summary>Set once the run has ended (the ledger closed): later stages do not run.</summary>
    public DeploymentReport? Report { get; set; }

    /// <summary>Why the stage of <paramref name="step"/> does not run in this run (null: it runs).</summary>
    public StageSkip? WhyNotRun(string step)
    {
        if (Report is { Succeeded: true } ended)
        {
            return new StageSkip($"nothing to deploy: {ended.Summary}", false);
        }

        if (Resumed is { } resumed && Order(step) < Order(resumed.FromStep))
        {
            return new StageSkip($"resumed deployment {resumed.Id}: done by the earlier run", false);
        }

        if (step == DeploymentSteps.Tests && Request.SkipTests)
        {
            return new StageSkip($"--skip-tests: {Request.SkipTestsReason}", true);
        }

        return step == DeploymentSteps.Cleanup && Before is null && Session is not null
            ? new StageSkip("first deployment: no old colour to clean up", true)
            : null;
    }

    private static int Order(string step)
    {
        var index = DeploymentSteps.Production.ToList().IndexOf(step);
        return index < 0 ? int.MaxValue : index;
    }
}

/// <summary>An interrupted deployment this run finishes: its ledger id and the step it resumes at.</summary>
public sealed record ResumedDeployment(string Id, string FromStep, DeploymentRecord Record);

/// <summary>Why a stage does not run; <paramref name="RecordedByStage"/>: the stage's own decision, which the ledger records as its skipped step.</summary>
public sealed record StageSkip(string Reason, bool RecordedByStage);
