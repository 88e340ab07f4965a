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

/// <summary>A step's value and the facts recorded for it in the ledger.</summary>
public sealed record StepResult<T>(T Value, IReadOnlyList<string> Facts);
