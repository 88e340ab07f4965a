using System.Text.Json;
using Storytailor.Aws;
using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>A Terraform workspace after apply: its name, API endpoint and Lambda function names by service.</summary>
public sealed record AppliedStack(string Workspace, Uri Endpoint, IReadOnlyDictionary<string, string> Functions);

/// <summary>
/// The steps DeployStaging and DeployProduction share: each ledger step with its facts, the forced unlock, the
/// content-addressed upload, plan and apply of one workspace, the CodeSha256 check of the functions, the artifacts a
/// ledger record names (to re-apply an earlier version) and the Slack notices.
/// </summary>
public sealed class DeploymentStages(DeploymentRuntime runtime)
{
    private const string ArtifactPrefix = "artifact ";

    /// <summary>--force-unlock: removes the lock when the id matches; a mismatch refuses the run.</summary>
    public async Task<DeploymentReport?> ForceUnlockAsync(DeploymentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ForceUnlockId is null)
        {
            return null;
        }

        var result = await runtime.Lock.ForceUnlockAsync(request.ForceUnlockId, request.Trigger.Actor, $"--force-unlock by {request.Trigger.Actor} (run {request.RunId})", cancellationToken).ConfigureAwait(false);
        return result.Outcome == ForceUnlockOutcome.LockIdMismatch
            ? new DeploymentReport(false, null, result.Message) { Refused = true }
            : null;
    }

    /// <summary>--force-unlock when asked, then the environment's lock: the lock held, or the report of a refused run.</summary>
    public async Task<(DeploymentLockInfo? Held, DeploymentReport? Refused)> AcquireAsync(DeploymentRequest request, string version, CancellationToken cancellationToken)
    {
        if (await ForceUnlockAsync(request, cancellationToken).ConfigureAwait(false) is { } refusedUnlock)
        {
            return (null, refusedUnlock);
        }

        return await TakeLockAsync(request, version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens the run's ledger record; with the ledger store out of sync the run does not start (the record is closed Failed, nothing changed).</summary>
    public async Task<(LedgerSession? Session, DeploymentReport? Refused)> OpenLedgerAsync(DeploymentStart start, CancellationToken cancellationToken)
    {
        var session = await runtime.Ledger.StartAsync(start, cancellationToken).ConfigureAwait(false);
        if (session.StoreInSync)
        {
            return (session, null);
        }

        await session.CloseAsync(DeploymentOutcome.Failed, "the ledger store is unavailable; a deployment does not start without its audit trail", cancellationToken).ConfigureAwait(false);
        return (null, new DeploymentReport(false, DeploymentOutcome.Failed, "The ledger store is unavailable: the deployment did not start (nothing changed).") { LedgerKey = session.Key, Refused = true });
    }

    /// <summary>Takes the environment's lock for this run; a lock held by another run refuses it, naming the holder.</summary>
    public async Task<(DeploymentLockInfo? Held, DeploymentReport? Refused)> TakeLockAsync(DeploymentRequest request, string version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return (await runtime.Lock.AcquireAsync(request.Trigger.Actor, request.RunId, version, cancellationToken).ConfigureAwait(false), null);
        }
        catch (DeploymentLockHeldException ex)
        {
            return (null, new DeploymentReport(false, null, ex.Message) { Refused = true });
        }
    }

    /// <summary>Uploads the packages (skipping those present with the same checksum); the facts list each artifact for later re-applies.</summary>
    public async Task<StepResult<IReadOnlyDictionary<string, StackArtifact>>> UploadAsync(string artifactsRoot, CancellationToken cancellationToken)
    {
        var published = await runtime.Publisher.PublishAsync(artifactsRoot, cancellationToken).ConfigureAwait(false);
        if (!published.Passed)
        {
            throw new DeploymentStepException(DeploymentSteps.Upload, string.Join("; ", published.Failures.DefaultIfEmpty("no artifact to upload")));
        }

        var byService = published.Artifacts.ToDictionary(a => runtime.ServiceOf(a.Name), a => new StackArtifact(a.Key, a.CodeSha256), StringComparer.Ordinal);
        IReadOnlyList<string> facts =
        [
            $"{published.Uploaded} uploaded, {published.Skipped} already present (content-addressed)",
            .. byService.Select(p => ArtifactFact(p.Key, p.Value)),
        ];
        return new StepResult<IReadOnlyDictionary<string, StackArtifact>>(byService, facts);
    }

    /// <summary>terraform plan (summary printed) and apply of one workspace, then its outputs.</summary>
    public StepResult<AppliedStack> Apply(string workspace, StackVariables variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        try
        {
            var plan = runtime.Stack.Plan(workspace, variables);
            runtime.Log.Information($"Terraform plan of {workspace}: {plan.Describe()}");
            runtime.Stack.Apply(plan);
            var outputs = runtime.Stack.Outputs(workspace);
            var endpoint = EndpointOf(workspace, outputs);
            var functions = outputs.TryGetValue(runtime.Contract.FunctionsOutput, out var names) && names.ValueKind == JsonValueKind.Object
                ? names.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal)
                : new Dictionary<string, string>(StringComparer.Ordinal);
            return new StepResult<AppliedStack>(new AppliedStack(workspace, endpoint, functions), [$"plan {plan.Describe()}", $"applied {variables.AppVersion} to {workspace}", $"endpoint {endpoint}"]);
        }
        catch (StackException ex)
        {
            throw new DeploymentStepException(DeploymentSteps.Apply, ex.Message);
        }
    }

    /// <summary>Every function of the workspace runs the artifact's CodeSha256 (waiting for updates to finish).</summary>
    public async Task<StepResult<FunctionVerificationResult>> VerifyAsync(AppliedStack applied, string artifactsRoot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(applied);
        var manifest = ArtifactManifest.Read(Storytailor.Core.ArtifactPaths.ManifestIn(artifactsRoot));
        var byService = manifest.Packages.ToDictionary(p => runtime.ServiceOf(p.Name), p => p.Name, StringComparer.Ordinal);
        var unknown = applied.Functions.Keys.Where(s => !byService.ContainsKey(s)).ToList();
        if (applied.Functions.Count == 0 || unknown.Count > 0)
        {
            throw new DeploymentStepException(DeploymentSteps.VerifyFunctions, applied.Functions.Count == 0
                ? $"the workspace {applied.Workspace} has no {runtime.Contract.FunctionsOutput} output; nothing to verify"
                : $"no package in the manifest for the services {string.Join(", ", unknown)}");
        }

        var expected = ArtifactPublisher.ExpectedCode(manifest, applied.Functions.ToDictionary(p => p.Value, p => byService[p.Key], StringComparer.Ordinal));
        var result = await runtime.Publisher.VerifyFunctionsAsync(expected, runtime.FunctionUpdateTimeout, runtime.FunctionPollInterval, cancellationToken).ConfigureAwait(false);
        return result.Passed
            ? new StepResult<FunctionVerificationResult>(result, [.. result.Functions.Select(f => f.Message)])
            : throw new DeploymentStepException(DeploymentSteps.VerifyFunctions, string.Join("; ", result.Failures));
    }

    /// <summary>
    /// Every function of a re-applied workspace runs the CodeSha256 of the version being restored (the artifacts its
    /// ledger record lists), not the current build's manifest: a rollback must not switch to other code.
    /// </summary>
    public async Task<StepResult<FunctionVerificationResult>> VerifyRestoredAsync(AppliedStack applied, IReadOnlyDictionary<string, StackArtifact> artifacts, string version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(applied);
        ArgumentNullException.ThrowIfNull(artifacts);
        var unknown = applied.Functions.Keys.Where(s => !artifacts.ContainsKey(s)).ToList();
        if (applied.Functions.Count == 0 || unknown.Count > 0)
        {
            throw new DeploymentStepException(DeploymentSteps.VerifyFunctions, applied.Functions.Count == 0
                ? $"the workspace {applied.Workspace} has no {runtime.Contract.FunctionsOutput} output; nothing to verify"
                : $"the ledger lists no artifact of {version} for the services {string.Join(", ", unknown)}");
        }

        var expected = applied.Functions.ToDictionary(p => p.Value, p => artifacts[p.Key].CodeSha256, StringComparer.Ordinal);
        var result = await runtime.Publisher.VerifyFunctionsAsync(expected, runtime.FunctionUpdateTimeout, runtime.FunctionPollInterval, cancellationToken).ConfigureAwait(false);
        return result.Passed
            ? new StepResult<FunctionVerificationResult>(result, [.. result.Functions.Select(f => f.Message)])
            : throw new DeploymentStepException(DeploymentSteps.VerifyFunctions, $"{applied.Workspace} does not run {version}: {string.Join("; ", result.Failures)}");
    }

    /// <summary>Invokes every function of the workspace once with a warm-up event; one that fails or errors fails the step.</summary>
    public async Task<StepResult<int>> WarmUpAsync(AppliedStack applied, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(applied);
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

    /// <summary>The pre-promotion tests (smoke, load, security) against a colour's own endpoint, as the ledger's tests step.</summary>
    public Task<PrePromotionResult> TestColourAsync(LedgerSession session, DeploymentColour colour, Uri endpoint, CancellationToken cancellationToken) =>
        StepAsync(session, DeploymentSteps.Tests, async () =>
        {
            var result = await runtime.Tests.RunAsync(endpoint, runtime.TestSettings, cancellationToken).ConfigureAwait(false);
            return result.Passed
                ? new StepResult<PrePromotionResult>(result, result.Facts)
                : throw new DeploymentStepException(DeploymentSteps.Tests, $"pre-promotion tests of {colour.Name()} ({endpoint}) failed: {string.Join("; ", result.Failures)}") { Data = { ["facts"] = result.Facts } };
        }, cancellationToken);

    /// <summary>Points the public record to a colour and waits for INSYNC; a switch that does not complete fails the switch step.</summary>
    public async Task<StepResult<SwitchResult>> SwitchAsync(DeploymentColour to, string comment, CancellationToken cancellationToken)
    {
        var result = await runtime.Planner.SwitchAsync(to, comment, cancellationToken).ConfigureAwait(false);
        return result.Succeeded
            ? new StepResult<SwitchResult>(result, result.Facts)
            : throw new DeploymentStepException(DeploymentSteps.Switch, result.Message);
    }

    /// <summary>Runs one step between BeginStep and EndStep of the ledger; a failure is recorded with its facts and rethrown as the step's failure.</summary>
    public async Task<T> StepAsync<T>(LedgerSession session, string step, Func<Task<StepResult<T>>> run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(run);
        await session.BeginStepAsync(step, cancellationToken).ConfigureAwait(false);
        StepResult<T> result;
        try
        {
            result = await run().ConfigureAwait(false);
        }
        catch (DeploymentStepException ex)
        {
            var facts = ex.Data["facts"] as IReadOnlyList<string> ?? [];
            await session.EndStepAsync(StepOutcome.Failed, [.. facts, ex.Message], cancellationToken).ConfigureAwait(false);
            throw;
        }
        catch (Exception ex) when (ex is AwsServiceException or StackException or InvalidDataException or AwsWaitTimeoutException or Checks.Terraform.TerraformException)
        {
            await session.EndStepAsync(StepOutcome.Failed, [ex.Message], cancellationToken).ConfigureAwait(false);
            throw new DeploymentStepException(step, ex.Message);
        }

        await session.EndStepAsync(StepOutcome.Succeeded, result.Facts, cancellationToken).ConfigureAwait(false);
        return result.Value;
    }

    /// <summary>A Slack notice when a webhook is configured (Slack being down never fails the run).</summary>
    public async Task NotifyAsync(DeploymentEvent kind, DeploymentRequest request, DeploymentColour? before, DeploymentColour? after, TimeSpan? duration, string? reason, string? id, CancellationToken cancellationToken, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (runtime.Slack is not { } slack)
        {
            return;
        }

        await slack.NotifyAsync(new DeploymentNotice(kind, runtime.Settings.Name, request.Version)
        {
            ColourBefore = before,
            ColourAfter = after,
            Duration = duration,
            Reason = reason,
            RunUrl = request.Trigger.RunUrl,
            DeploymentId = id,
            Actor = request.Trigger.Actor,
            Note = note,
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The artifacts a ledger record's upload step lists (to apply that version again).</summary>
    public static IReadOnlyDictionary<string, StackArtifact> ArtifactsOf(DeploymentRecord? record)
    {
        var facts = record?.Step(DeploymentSteps.Upload)?.Facts ?? [];
        var artifacts = new Dictionary<string, StackArtifact>(StringComparer.Ordinal);
        foreach (var fact in facts.Where(f => f.StartsWith(ArtifactPrefix, StringComparison.Ordinal)))
        {
            var parts = fact[ArtifactPrefix.Length..].Split(' ');
            if (parts.Length == 3)
            {
                artifacts[parts[0]] = new StackArtifact(parts[1], parts[2]);
            }
        }

        return artifacts.Count > 0
            ? artifacts
            : throw new DeploymentStepException(DeploymentSteps.Apply, record is null
                ? "the ledger has no deployment of that version with uploaded artifacts; pass --to-version with a version the ledger knows"
                : $"the ledger record {record.Id} lists no artifacts");
    }

    private static string ArtifactFact(string service, StackArtifact artifact) => $"{ArtifactPrefix}{service} {artifact.S3Key} {artifact.CodeSha256}";

    private Uri EndpointOf(string workspace, IReadOnlyDictionary<string, JsonElement> outputs) =>
        outputs.TryGetValue(runtime.Contract.EndpointOutput, out var value) && value.ValueKind == JsonValueKind.String && Uri.TryCreate(value.GetString(), UriKind.Absolute, out var uri)
            ? uri
            : throw new DeploymentStepException(DeploymentSteps.Apply, $"the workspace {workspace} has no {runtime.Contract.EndpointOutput} output (an absolute URL); it cannot be tested.");
}
