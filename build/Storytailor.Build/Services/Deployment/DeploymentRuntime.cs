using Storytailor.Aws;
using Storytailor.Core;
using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>What is being deployed, by whom, and how (the request of one DeployProduction or Rollback run).</summary>
public sealed record DeploymentRequest(string Version, DeploymentTrigger Trigger)
{
    public string? GitCommit { get; init; }

    public bool SkipTests { get; init; }

    public string? SkipTestsReason { get; init; }

    public string? ForceUnlockId { get; init; }

    /// <summary>--supersede: an unfinished deployment of another version that never went live is closed instead of refusing.</summary>
    public bool Supersede { get; init; }

    /// <summary>Rollback: the version to restore when the previous colour was cleaned up (null: the ledger's).</summary>
    public string? ToVersion { get; init; }

    /// <summary>Where the artifacts come from (the set Ci published for the commit, or built by this run); null: not resolved.</summary>
    public ArtifactSource? Artifacts { get; init; }

    public string RunId => Trigger.RunId ?? $"local-{Environment.ProcessId}";
}

/// <summary>
/// Everything a blue/green deployment talks to, built once by the task layer: the environment's settings, the AWS
/// ports, the Terraform workspaces, the pre-promotion tests, the public URL the monitoring smoke checks call and the
/// folders and clock in use.
/// </summary>
public sealed record DeploymentRuntime(
    DeploymentEnvironmentSettings Settings,
    string HostedZoneId,
    IArtifactStore Store,
    IDnsRouter Dns,
    IFunctionRegistry Functions,
    IMetricsReader Metrics,
    IWorkspaceStack Stack,
    PrePromotionTests Tests,
    PrePromotionSettings TestSettings,
    Uri PublicUrl,
    ArtifactWriter Artifacts,
    SecretRedactor Redactor,
    IBuildLog Log,
    TimeProvider Time)
{
    /// <summary>Slack notices (null: no webhook configured).</summary>
    public SlackNotifier? Slack { get; init; }

    /// <summary>Logs Insights, for cold starts of functions without Lambda Insights (null: not measured from logs).</summary>
    public ILogsInsights? Logs { get; init; }

    /// <summary>How long one Logs Insights query may run.</summary>
    public TimeSpan LogQueryTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long functions may take to finish their update after apply.</summary>
    public TimeSpan FunctionUpdateTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan FunctionPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The variables the build sets and the outputs it reads (the app's description).</summary>
    public Description.TerraformContract Contract { get; init; } = Description.TerraformContract.Default;

    /// <summary>Package name → the service name Terraform uses (the app's description); others: the name without its scope.</summary>
    public IReadOnlyDictionary<string, string> ServiceNames { get; init; } = new Dictionary<string, string>();

    /// <summary>"@storytailor/router" → "router", or the name the app's description gives the service.</summary>
    public string ServiceOf(string packageName) =>
        ServiceNames.TryGetValue(packageName, out var name) ? name : Description.AppDescriptionFile.ShortName(packageName);

    public BlueGreenPlanner Planner => new(Dns, Settings, HostedZoneId, Time, Log);

    public DeploymentLock Lock => new(Store, Settings.Name, Settings.LockStaleAfter, Time, Log);

    public DeploymentLedger Ledger => new(Store, Artifacts, Redactor, Time, Log);

    public CleanupGuard Guard => new(Dns, Metrics, Settings, HostedZoneId, Time, Log);

    public MonitoringWindow Monitoring => new(Metrics, Time, Log, Logs is null ? null : new ColdStartLogs(Logs, LogQueryTimeout));

    public ArtifactPublisher Publisher => new(Store, Functions, Log);

    public ArtifactSources ArtifactSources => new(new ArtifactPromotion(Store, Publisher, Log), Log);
}
