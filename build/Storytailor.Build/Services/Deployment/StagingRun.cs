using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>
/// The run state of one DeployStaging, shared by its stage tasks through the build context: the request, the staging
/// settings, the lock, the ledger session, the rollback target, what the upload and apply produced, how far the run
/// changed things (infrastructure, database) and, once it ended, its report.
/// </summary>
public sealed class StagingRun(DeploymentRuntime runtime, DeploymentRequest request, StagingSettings staging, string artifactsRoot) : IDeploymentRun
{
    public DeploymentRuntime Runtime { get; } = runtime;

    public DeploymentRequest Request { get; } = request;

    public StagingSettings Staging { get; } = staging;

    public string ArtifactsRoot { get; } = artifactsRoot;

    /// <summary>What the runtime owns (AWS and HTTP clients), disposed when the run ends.</summary>
    public IDisposable? Resources { get; init; }

    /// <summary>The single staging workspace.</summary>
    public string Workspace => Runtime.Settings.Workspace ?? throw new InvalidOperationException($"The environment '{Runtime.Settings.Name}' has no Workspace; DeployStaging deploys to a single workspace.");

    public DateTimeOffset StartedAt { get; set; } = runtime.Time.GetUtcNow();

    public DeploymentLockInfo? Lock { get; set; }

    public bool LockReleased { get; set; }

    public LedgerSession? Session { get; set; }

    /// <summary>The previous successful staging deployment: the automatic rollback target (null: none).</summary>
    public DeploymentRecord? Previous { get; set; }

    public IReadOnlyDictionary<string, StackArtifact> Artifacts { get; set; } = new Dictionary<string, StackArtifact>();

    public AppliedStack? Applied { get; set; }

    /// <summary>True from the apply on: a failure then re-applies the previous version.</summary>
    public bool InfrastructureChanged { get; set; }

    /// <summary>True once this run's migrations ran (they are never reverted).</summary>
    public bool Migrated { get; set; }

    public DeploymentReport? Report { get; set; }

    public void Dispose() => Resources?.Dispose();
}
