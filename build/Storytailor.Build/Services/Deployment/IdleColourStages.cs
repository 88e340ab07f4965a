using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>
/// The stages of DeployProduction up to the switch, each one ledger step on the idle colour: upload, Terraform apply
/// of its workspace, function verification, warm-up, the pre-promotion tests and the DNS switch. A failure here
/// leaves the live colour untouched (a switch that does not complete leaves the record where the planner put it back).
/// </summary>
public sealed class IdleColourStages(DeploymentRuntime runtime)
{
    private readonly DeploymentStages _stages = new(runtime);

    public async Task UploadAsync(ProductionRun run, CancellationToken cancellationToken = default)
    {
        var session = SessionOf(run);
        run.Artifacts = await _stages.StepAsync(session, DeploymentSteps.Upload, () => _stages.UploadAsync(run.ArtifactsRoot, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    public async Task ApplyAsync(ProductionRun run, CancellationToken cancellationToken = default)
    {
        var session = SessionOf(run);
        var workspace = runtime.Settings.ColourOf(run.Idle).Workspace;
        var variables = new StackVariables(run.Request.Version, run.Artifacts);
        run.Applied = await _stages.StepAsync(session, DeploymentSteps.Apply, () => Task.FromResult(_stages.Apply(workspace, variables)), cancellationToken).ConfigureAwait(false);
    }

    public Task VerifyAsync(ProductionRun run, CancellationToken cancellationToken = default)
    {
        var applied = AppliedOf(run);
        return _stages.StepAsync(SessionOf(run), DeploymentSteps.VerifyFunctions, () => _stages.VerifyAsync(applied, run.ArtifactsRoot, cancellationToken), cancellationToken);
    }

    public Task WarmUpAsync(ProductionRun run, CancellationToken cancellationToken = default)
    {
        var applied = AppliedOf(run);
        return _stages.StepAsync(SessionOf(run), DeploymentSteps.Warmup, () => _stages.WarmUpAsync(applied, cancellationToken), cancellationToken);
    }

    public Task TestAsync(ProductionRun run, CancellationToken cancellationToken = default) =>
        _stages.TestColourAsync(SessionOf(run), run.Idle, AppliedOf(run).Endpoint, cancellationToken);

    /// <summary>--skip-tests: the ledger records the tests step as skipped with the reason; monitoring and automatic rollback still run.</summary>
    public async Task RecordTestsSkippedAsync(ProductionRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        runtime.Log.Warning($"Pre-promotion tests of {run.Idle.Name()} SKIPPED (--skip-tests): {run.Request.SkipTestsReason}. Monitoring and automatic rollback still run.");
        await SessionOf(run).RecordStepAsync(DeploymentSteps.Tests, StepOutcome.Skipped, [$"skipped with --skip-tests: {run.Request.SkipTestsReason}"], cancellationToken).ConfigureAwait(false);
    }

    public async Task SwitchAsync(ProductionRun run, CancellationToken cancellationToken = default)
    {
        var session = SessionOf(run);
        var idle = run.Idle;
        run.Switched = await _stages.StepAsync(session, DeploymentSteps.Switch, async () =>
        {
            // Alarms already firing are read before the switch, so monitoring reports them instead of blaming the new colour.
            var firing = await runtime.Monitoring.AlarmsFiringAsync(runtime.Settings.ColourOf(idle), cancellationToken).ConfigureAwait(false);
            run.AlarmsFiringBefore = [.. firing.Select(a => a.Name)];
            return await _stages.SwitchAsync(idle, $"deploy {run.Request.Version}: {run.Before?.Name() ?? "none"} -> {idle.Name()}", cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        run.SwitchedAt = run.Switched.InSyncAt ?? runtime.Time.GetUtcNow();
    }

    internal static LedgerSession SessionOf(ProductionRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Session ?? throw new InvalidOperationException("The deployment has no ledger record: AcquireDeploymentLock did not run.");
    }

    private static AppliedStack AppliedOf(ProductionRun run) =>
        run.Applied ?? throw new InvalidOperationException("The idle colour was not applied in this run: DeployIdleColour did not run.");
}
