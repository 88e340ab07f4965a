using Storytailor.Core;
using Storytailor.Database;
using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>What DeployStaging needs besides the deployment runtime: the app, the Supabase CLI, the staging database and the integration script.</summary>
public sealed record StagingSettings(string AppRoot, string SupabaseCli, string? DatabaseUrl)
{
    /// <summary>Name of the secret holding <see cref="DatabaseUrl"/> (for messages).</summary>
    public string DatabaseUrlSecret { get; init; } = "SUPABASE_DB_URL_STAGING";

    /// <summary>The app's npm script of integration tests (run with BASE_URL and API_KEY).</summary>
    public string IntegrationScript { get; init; } = "test:integration";

    public TimeSpan IntegrationTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The folder holding the app's supabase folder (the Supabase CLI's workdir); null: the app root.</summary>
    public string? SupabaseWorkdir { get; init; }

    public string MigrationsFolder => Path.Combine(SupabaseWorkdir ?? AppRoot, "supabase", "migrations");

    /// <summary>The migrations folder as messages name it (the app's declared path, relative to its root).</summary>
    public string DeclaredMigrationsFolder { get; init; } = MigrationFiles.DefaultFolder;

    /// <summary>supabase db push --include-seed (staging gets the seed data).</summary>
    public bool IncludeSeed { get; init; } = true;

    /// <summary>The staging database of <see cref="DatabaseUrl"/>; a missing or malformed URL fails the migrations step.</summary>
    public PostgresUrl Database()
    {
        if (string.IsNullOrWhiteSpace(DatabaseUrl))
        {
            throw new DeploymentStepException(DeploymentSteps.Migrations, $"could not run: the secret {DatabaseUrlSecret} (the staging database URL) is not set");
        }

        try
        {
            return PostgresUrl.Parse(DatabaseUrl);
        }
        catch (FormatException ex)
        {
            throw new DeploymentStepException(DeploymentSteps.Migrations, $"could not run: {DatabaseUrlSecret} is not a database URL ({ex.Message})");
        }
    }
}

/// <summary>
/// DeployStaging on the single staging workspace: lock → upload → Terraform plan and apply → migrations (Supabase
/// CLI) → verify functions → integration tests → load test → security probes → smoke suite, each a ledger step.
/// A failure after the infrastructure changed re-applies the previous successful version from the ledger and runs
/// the smoke suite against it. Migrations are forward-only: the rollback never reverts them, and says so.
/// </summary>
public sealed class StagingDeployment(DeploymentRuntime runtime, StagingSettings staging, CommandRunner runner)
{
    public const string IntegrationTests = "integration-tests";
    public const string LoadTest = "load-test";
    public const string SecurityProbes = "security-probes";
    public const string Smoke = "smoke";

    private readonly DeploymentStages _stages = new(runtime);

    /// <summary>The steps of a staging deployment, in order (the ledger lists them so).</summary>
    public static IReadOnlyList<string> Steps { get; } =
        [DeploymentSteps.Preflight, DeploymentSteps.Upload, DeploymentSteps.Apply, DeploymentSteps.Migrations, DeploymentSteps.VerifyFunctions, IntegrationTests, LoadTest, SecurityProbes, Smoke];

    /// <summary>The version deployed without --tag: 0.0.0-&lt;short commit&gt;, or 0.0.0-local.&lt;UTC time&gt; outside a repository.</summary>
    public static string DefaultVersion(string? gitCommit, DateTimeOffset now) =>
        string.IsNullOrWhiteSpace(gitCommit) || gitCommit.Trim() is "unknown"
            ? $"0.0.0-local.{now.UtcDateTime:yyyyMMddHHmmss}"
            : $"0.0.0-{gitCommit.Trim()[..Math.Min(7, gitCommit.Trim().Length)]}";

    public async Task<DeploymentReport> DeployAsync(DeploymentRequest request, string artifactsRoot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = runtime.Settings;
        var workspace = settings.Workspace ?? throw new InvalidOperationException($"The environment '{settings.Name}' has no Workspace; DeployStaging deploys to a single workspace.");
        if (await _stages.ForceUnlockAsync(request, cancellationToken).ConfigureAwait(false) is { } refusedUnlock)
        {
            return refusedUnlock;
        }

        var taken = await _stages.TakeLockAsync(request, request.Version, cancellationToken).ConfigureAwait(false);
        if (taken.Held is not { } held)
        {
            return taken.Refused!;
        }

        LedgerSession? session = null;
        var started = runtime.Time.GetUtcNow();
        DeploymentRecord? previous = null;
        var infrastructureChanged = false;
        var migrated = false;
        try
        {
            await CloseUnfinishedAsync(request, cancellationToken).ConfigureAwait(false);
            previous = await runtime.Ledger.LatestSuccessfulAsync(settings.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
            session = await runtime.Ledger.StartAsync(new DeploymentStart(settings.Name, request.Version, request.Trigger)
            {
                GitCommit = request.GitCommit,
                PreviousVersion = previous?.Version,
            }, cancellationToken).ConfigureAwait(false);
            if (!session.StoreInSync)
            {
                await session.CloseAsync(DeploymentOutcome.Failed, "the ledger store is unavailable; a deployment does not start without its audit trail", cancellationToken).ConfigureAwait(false);
                return new DeploymentReport(false, DeploymentOutcome.Failed, "The ledger store is unavailable: the deployment did not start (nothing changed).") { LedgerKey = session.Key, Refused = true };
            }

            await _stages.NotifyAsync(DeploymentEvent.Started, request, null, null, null, null, session.Id, cancellationToken).ConfigureAwait(false);
            await session.RecordStepAsync(DeploymentSteps.Preflight, StepOutcome.Succeeded,
            [
                $"lock {held.LockId} held by {held.Owner} (run {held.RunId})",
                $"deploying {request.Version} to the workspace {workspace}",
                previous is null ? "no previous successful staging deployment in the ledger (nothing to roll back to)" : $"previous successful version {previous.Version} (deployment {previous.Id}): the automatic rollback target",
                request.Artifacts?.OriginFact() ?? "artifacts: the artifacts folder's (source not resolved)",
            ], cancellationToken).ConfigureAwait(false);
            runtime.Log.Information($"Deploying {request.Version} to staging ({workspace}); rollback target: {previous?.Version ?? "none"}.");

            var artifacts = await _stages.StepAsync(session, DeploymentSteps.Upload, () => _stages.UploadAsync(artifactsRoot, cancellationToken), cancellationToken).ConfigureAwait(false);
            infrastructureChanged = true;
            var applied = await _stages.StepAsync(session, DeploymentSteps.Apply, () => Task.FromResult(_stages.Apply(workspace, new StackVariables(request.Version, artifacts))), cancellationToken).ConfigureAwait(false);
            await _stages.StepAsync(session, DeploymentSteps.Migrations, () => MigrateAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
            migrated = true;
            await _stages.StepAsync(session, DeploymentSteps.VerifyFunctions, () => _stages.VerifyAsync(applied, artifactsRoot, cancellationToken), cancellationToken).ConfigureAwait(false);
            await _stages.StepAsync(session, IntegrationTests, () => IntegrationAsync(applied.Endpoint, cancellationToken), cancellationToken).ConfigureAwait(false);
            await _stages.StepAsync(session, LoadTest, () => SuiteAsync(LoadTest, runtime.Tests.LoadAsync(applied.Endpoint, runtime.TestSettings, cancellationToken)), cancellationToken).ConfigureAwait(false);
            await _stages.StepAsync(session, SecurityProbes, () => SuiteAsync(SecurityProbes, runtime.Tests.SecurityAsync(applied.Endpoint, runtime.TestSettings, cancellationToken)), cancellationToken).ConfigureAwait(false);
            await _stages.StepAsync(session, Smoke, () => SmokeAsync(Smoke, applied.Endpoint, cancellationToken), cancellationToken).ConfigureAwait(false);

            await session.CloseAsync(DeploymentOutcome.Succeeded, null, cancellationToken).ConfigureAwait(false);
            await _stages.NotifyAsync(DeploymentEvent.Succeeded, request, null, null, runtime.Time.GetUtcNow() - started, null, session.Id, cancellationToken).ConfigureAwait(false);
            return await runtime.ArtifactSources.RecordStagingPassAsync(new DeploymentReport(true, DeploymentOutcome.Succeeded, $"{request.Version} is deployed to staging ({applied.Endpoint}); every test passed.") { LedgerKey = session.Key }, request, artifactsRoot, session.Id, runtime.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
        catch (DeploymentStepException ex) when (session is not null)
        {
            var reason = $"{ex.Step}: {ex.Message}";
            if (!infrastructureChanged)
            {
                await session.CloseAsync(DeploymentOutcome.Failed, reason, cancellationToken).ConfigureAwait(false);
                await _stages.NotifyAsync(DeploymentEvent.Failed, request, null, null, runtime.Time.GetUtcNow() - started, reason, session.Id, cancellationToken).ConfigureAwait(false);
                return new DeploymentReport(false, DeploymentOutcome.Failed, $"DeployStaging of {request.Version} failed at '{ex.Step}': {ex.Message} (nothing was applied; ledger {session.Key}).") { LedgerKey = session.Key };
            }

            return await RollBackAsync(session, request, workspace, previous, ex, migrated, started, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await runtime.Lock.ReleaseAsync(held.LockId, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// After a failure past the apply: the previous successful version is applied again (its artifact keys come from
    /// the ledger), then the smoke suite runs against it. Migrations are not reverted (forward-only).
    /// </summary>
    private async Task<DeploymentReport> RollBackAsync(LedgerSession session, DeploymentRequest request, string workspace, DeploymentRecord? previous, DeploymentStepException failure, bool migrated, DateTimeOffset started, CancellationToken cancellationToken)
    {
        var why = $"{failure.Step}: {failure.Message}";
        var forwardOnly = migrated
            ? $"migrations are forward-only: the staging database keeps the migrations applied by {request.Version} (not reverted)"
            : $"migrations are forward-only (none of {request.Version} were applied before the failure)";
        await session.BeginStepAsync(DeploymentSteps.Rollback, cancellationToken).ConfigureAwait(false);
        if (previous is null)
        {
            var none = $"no previous successful staging deployment in the ledger: nothing to roll back to, {request.Version} stays applied";
            await session.EndStepAsync(StepOutcome.Failed, [none, forwardOnly], cancellationToken).ConfigureAwait(false);
            var closing = $"{why}; {none}; {forwardOnly}";
            await session.CloseAsync(DeploymentOutcome.Failed, closing, cancellationToken).ConfigureAwait(false);
            await _stages.NotifyAsync(DeploymentEvent.Failed, request, null, null, runtime.Time.GetUtcNow() - started, closing, session.Id, cancellationToken).ConfigureAwait(false);
            return new DeploymentReport(false, DeploymentOutcome.Failed, $"DeployStaging of {request.Version} failed at '{failure.Step}': {failure.Message}. {char.ToUpperInvariant(none[0])}{none[1..]}; {forwardOnly} (ledger {session.Key}).") { LedgerKey = session.Key };
        }

        runtime.Log.Error($"Automatic rollback of staging to {previous.Version}: {why}.");
        var facts = new List<string> { why, $"re-applying {previous.Version} (deployment {previous.Id})" };
        var ok = false;
        string outcome;
        try
        {
            var artifacts = DeploymentStages.ArtifactsOf(previous);
            var applied = _stages.Apply(workspace, new StackVariables(previous.Version, artifacts));
            facts.AddRange(applied.Facts);
            var smoke = await runtime.Tests.SmokeAsync(applied.Value.Endpoint, runtime.TestSettings, cancellationToken).ConfigureAwait(false);
            smoke.WriteJson(runtime.Artifacts, "deploy/smoke-staging-rollback.json");
            ok = smoke.Passed;
            outcome = ok
                ? $"smoke against {applied.Value.Endpoint} on {previous.Version}: {smoke.Checks.Count} checks passed"
                : $"smoke against {applied.Value.Endpoint} on {previous.Version} FAILED: {string.Join("; ", smoke.Failures)}";
        }
        catch (DeploymentStepException ex)
        {
            outcome = $"re-applying {previous.Version} failed: {ex.Message}";
        }
        catch (StackException ex)
        {
            outcome = $"re-applying {previous.Version} failed: {ex.Message}";
        }

        facts.Add(outcome);
        facts.Add(forwardOnly);
        await session.EndStepAsync(ok ? StepOutcome.Succeeded : StepOutcome.Failed, facts, cancellationToken).ConfigureAwait(false);
        var reason = ok
            ? $"automatic rollback to {previous.Version} after {why}; {forwardOnly}"
            : $"automatic rollback to {previous.Version} did not complete ({outcome}) after {why}; {forwardOnly}";
        await session.CloseAsync(ok ? DeploymentOutcome.RolledBack : DeploymentOutcome.Failed, reason, cancellationToken).ConfigureAwait(false);
        await _stages.NotifyAsync(ok ? DeploymentEvent.RolledBack : DeploymentEvent.Failed, request, null, null, runtime.Time.GetUtcNow() - started, reason, session.Id, cancellationToken).ConfigureAwait(false);
        var summary = ok
            ? $"DeployStaging of {request.Version} failed at '{failure.Step}': {failure.Message}. Rolled back automatically: {previous.Version} is applied again and its smoke checks pass; {forwardOnly} (ledger {session.Key})."
            : $"DeployStaging of {request.Version} failed at '{failure.Step}': {failure.Message}. The automatic rollback to {previous.Version} did not complete: {outcome}. Act by hand; {forwardOnly} (ledger {session.Key}).";
        return new DeploymentReport(false, ok ? DeploymentOutcome.RolledBack : DeploymentOutcome.Failed, summary) { LedgerKey = session.Key };
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

    private async Task<StepResult<PushOutcome>> MigrateAsync(CancellationToken cancellationToken)
    {
        var database = staging.Database();
        runtime.Redactor.Register(database.Password);
        PushOutcome push;
        try
        {
            push = await new SupabaseCli(runner, staging.SupabaseCli).PushAsync(staging.SupabaseWorkdir ?? staging.AppRoot, database, staging.IncludeSeed, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandException ex)
        {
            throw new DeploymentStepException(DeploymentSteps.Migrations, $"could not run the Supabase CLI: {ex.Message}");
        }

        var target = $"{database.Host}:{database.Port}/{database.Database}";
        if (!push.Succeeded)
        {
            throw new DeploymentStepException(DeploymentSteps.Migrations, $"supabase db push to {target} failed: {push.Message}");
        }

        IReadOnlyList<string> facts = push.UpToDate
            ? [$"{target}: up to date, no migration to apply"]
            : [$"{target}: applied {push.Migrations.Count} migration(s){(push.Migrations.Count == 0 ? string.Empty : ": " + string.Join(", ", push.Migrations))}", $"seed files: {(push.Seeds.Count == 0 ? "none" : string.Join(", ", push.Seeds))}"];
        runtime.Log.Information($"Migrations on staging: {string.Join("; ", facts)}");
        return new StepResult<PushOutcome>(push, facts);
    }

    private async Task<StepResult<CommandResult>> IntegrationAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        var baseUrl = endpoint.AbsoluteUri.TrimEnd('/');
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["BASE_URL"] = baseUrl,
            ["INTEGRATION_BASE_URL"] = baseUrl,
            ["API_KEY"] = runtime.TestSettings.ApiKey,
            ["CI"] = "true",
        };
        CommandResult result;
        try
        {
            result = await runner.RunAsync(new CommandSpec("npm", ["run", staging.IntegrationScript], staging.AppRoot)
            {
                Environment = environment,
                Timeout = staging.IntegrationTimeout,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandException ex)
        {
            throw new DeploymentStepException(IntegrationTests, $"could not run npm run {staging.IntegrationScript}: {ex.Message}");
        }

        runtime.Artifacts.WriteText("deploy/integration-staging.log", result.StandardOutput + result.StandardError);
        return result.Succeeded
            ? new StepResult<CommandResult>(result, [$"npm run {staging.IntegrationScript} against {baseUrl}: passed"])
            : throw new DeploymentStepException(IntegrationTests, $"npm run {staging.IntegrationScript} against {baseUrl} failed (exit {result.ExitCode}):\n{result.Tail(15)}");
    }

    private static async Task<StepResult<PrePromotionResult>> SuiteAsync(string step, Task<PrePromotionResult> suite)
    {
        var result = await suite.ConfigureAwait(false);
        return result.Passed
            ? new StepResult<PrePromotionResult>(result, result.Facts)
            : throw new DeploymentStepException(step, string.Join("; ", result.Failures)) { Data = { ["facts"] = result.Facts } };
    }

    private async Task<StepResult<int>> SmokeAsync(string step, Uri endpoint, CancellationToken cancellationToken)
    {
        var smoke = await runtime.Tests.SmokeAsync(endpoint, runtime.TestSettings, cancellationToken).ConfigureAwait(false);
        smoke.WriteJson(runtime.Artifacts, "deploy/smoke-staging.json");
        return smoke.Passed
            ? new StepResult<int>(smoke.Checks.Count, [$"smoke against {endpoint}: {smoke.Checks.Count} checks passed"])
            : throw new DeploymentStepException(step, $"smoke against {endpoint} failed: {string.Join("; ", smoke.Failures)}");
    }
}
