using System.Text.Json;
using System.Text.Json.Serialization;

namespace Storytailor.Deploy;

/// <summary>How a deployment ended (InProgress while it runs, and after a crash).</summary>
public enum DeploymentOutcome
{
    InProgress,
    Succeeded,
    Failed,
    RolledBack,
}

/// <summary>What a ledger record is about: a deployment of a version, or an on-call Rollback (which switches the other way).</summary>
public enum DeploymentKind
{
    Deployment,
    Rollback,
}

public enum StepOutcome
{
    Running,
    Succeeded,
    Failed,
    Skipped,
}

/// <summary>The step names the deployment targets use, in pipeline order (crash recovery reasons with them).</summary>
public static class DeploymentSteps
{
    public const string Preflight = "preflight";
    public const string Upload = "upload";
    public const string Apply = "apply";
    public const string Migrations = "migrations";
    public const string VerifyFunctions = "verify-functions";
    public const string Warmup = "warmup";
    public const string Tests = "tests";
    public const string Switch = "switch";
    public const string Monitoring = "monitoring";
    public const string Rollback = "rollback";
    public const string Cleanup = "cleanup";

    /// <summary>Marks where a later run took over an interrupted deployment (crash recovery).</summary>
    public const string Resume = "resume";

    /// <summary>Steps of a blue/green production deployment, in order.</summary>
    public static IReadOnlyList<string> Production { get; } = [Preflight, Upload, Migrations, Apply, VerifyFunctions, Warmup, Tests, Switch, Monitoring, Cleanup];

    /// <summary>Steps of a staging deployment, in order.</summary>
    public static IReadOnlyList<string> Staging { get; } = [Preflight, Upload, Apply, Migrations, VerifyFunctions, Tests];
}

/// <summary>One step of a deployment with the facts it decided on (e.g. "p95 912 ms > 800 ms").</summary>
public sealed class DeploymentStepRecord
{
    public required string Name { get; init; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public StepOutcome Outcome { get; set; } = StepOutcome.Running;

    public List<string> Facts { get; init; } = [];
}

/// <summary>Who and what started a deployment (from GitHub Actions' environment when present).</summary>
public sealed record DeploymentTrigger(string Actor, string Event, string? RunId, string? RunUrl)
{
    /// <summary>
    /// Reads GITHUB_ACTOR, GITHUB_EVENT_NAME, GITHUB_RUN_ID, GITHUB_SERVER_URL and GITHUB_REPOSITORY from the
    /// environment the caller passes in; outside Actions: actor from USER/USERNAME, event "manual".
    /// </summary>
    public static DeploymentTrigger FromEnvironment(IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? Read(string name) => environment.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
        var runId = Read("GITHUB_RUN_ID");
        var url = Read("GITHUB_SERVER_URL") is { } server && Read("GITHUB_REPOSITORY") is { } repository && runId is not null
            ? $"{server.TrimEnd('/')}/{repository}/actions/runs/{runId}"
            : null;
        return new DeploymentTrigger(
            Read("GITHUB_ACTOR") ?? Read("USER") ?? Read("USERNAME") ?? "unknown",
            Read("GITHUB_EVENT_NAME") ?? "manual",
            runId,
            url);
    }
}

/// <summary>The ledger's record of one deployment. Written after every step.</summary>
public sealed class DeploymentRecord
{
    public required string Id { get; init; }

    public required string Environment { get; init; }

    public required string Version { get; init; }

    /// <summary>A deployment (the default, also for records written before kinds existed) or an on-call Rollback.</summary>
    public DeploymentKind Kind { get; init; } = DeploymentKind.Deployment;

    public string? GitCommit { get; init; }

    public required DeploymentTrigger Trigger { get; init; }

    /// <summary>The live colour when the deployment started (null: first deployment, or no colours).</summary>
    public DeploymentColour? ColourBefore { get; set; }

    /// <summary>The colour the deployment installs the new version in (the idle one).</summary>
    public DeploymentColour? ColourAfter { get; set; }

    /// <summary>The version that was live before (for rollback), when known.</summary>
    public string? PreviousVersion { get; set; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? EndedAt { get; set; }

    public DeploymentOutcome Outcome { get; set; } = DeploymentOutcome.InProgress;

    /// <summary>Why it failed or rolled back.</summary>
    public string? Reason { get; set; }

    public bool SkipTests { get; init; }

    public string? SkipTestsReason { get; init; }

    public List<DeploymentStepRecord> Steps { get; init; } = [];

    /// <summary>Problems the ledger itself had (e.g. the store was unavailable for a write).</summary>
    public List<string> Warnings { get; init; } = [];

    /// <summary>The last step of that name, or null.</summary>
    public DeploymentStepRecord? Step(string name) => Steps.LastOrDefault(s => s.Name == name);

    /// <summary>True when the step's last run succeeded.</summary>
    public bool StepSucceeded(string name) => Step(name)?.Outcome == StepOutcome.Succeeded;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static DeploymentRecord FromJson(string json) =>
        JsonSerializer.Deserialize<DeploymentRecord>(json, Json) ?? throw new JsonException("empty deployment record");

    public DeploymentRecord Clone() => FromJson(ToJson());
}
