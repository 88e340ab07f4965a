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
/// The stages of DeployStaging on the single staging workspace, each one ledger step: upload → Terraform plan and
/// apply → migrations (Supabase CLI) → verify functions → integration tests → load test → security probes → smoke
/// suite. The load, security and smoke stages run the same suites as LoadTest, SecurityTests and SmokeTests
/// (Storytailor.Load), pointed at the endpoint the apply produced.
/// </summary>
public sealed class StagingStages(DeploymentRuntime runtime, CommandRunner runner)
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

    public async Task UploadAsync(StagingRun run, CancellationToken cancellationToken = default)
    {
        run.Artifacts = await _stages.StepAsync(SessionOf(run), DeploymentSteps.Upload, () => _stages.UploadAsync(run.ArtifactsRoot, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    public async Task ApplyAsync(StagingRun run, CancellationToken cancellationToken = default)
    {
        var session = SessionOf(run);
        run.InfrastructureChanged = true;
        var variables = new StackVariables(run.Request.Version, run.Artifacts);
        run.Applied = await _stages.StepAsync(session, DeploymentSteps.Apply, () => Task.FromResult(_stages.Apply(run.Workspace, variables)), cancellationToken).ConfigureAwait(false);
    }

    public async Task MigrateAsync(StagingRun run, CancellationToken cancellationToken = default)
    {
        await _stages.StepAsync(SessionOf(run), DeploymentSteps.Migrations, () => PushAsync(run, cancellationToken), cancellationToken).ConfigureAwait(false);
        run.Migrated = true;
    }

    public Task VerifyAsync(StagingRun run, CancellationToken cancellationToken = default)
    {
        var applied = AppliedOf(run);
        return _stages.StepAsync(SessionOf(run), DeploymentSteps.VerifyFunctions, () => _stages.VerifyAsync(applied, run.ArtifactsRoot, cancellationToken), cancellationToken);
    }

    public Task IntegrationTestAsync(StagingRun run, CancellationToken cancellationToken = default)
    {
        var endpoint = AppliedOf(run).Endpoint;
        return _stages.StepAsync(SessionOf(run), IntegrationTests, () => IntegrationAsync(run, endpoint, cancellationToken), cancellationToken);
    }

    public Task LoadTestAsync(StagingRun run, CancellationToken cancellationToken = default)
    {
        var endpoint = AppliedOf(run).Endpoint;
        return _stages.StepAsync(SessionOf(run), LoadTest, () => SuiteAsync(LoadTest, runtime.Tests.LoadAsync(endpoint, runtime.TestSettings, cancellationToken)), cancellationToken);
    }

    public Task SecurityTestAsync(StagingRun run, CancellationToken cancellationToken = default)
    {
        var endpoint = AppliedOf(run).Endpoint;
        return _stages.StepAsync(SessionOf(run), SecurityProbes, () => SuiteAsync(SecurityProbes, runtime.Tests.SecurityAsync(endpoint, runtime.TestSettings, cancellationToken)), cancellationToken);
    }

    public Task SmokeTestAsync(StagingRun run, CancellationToken cancellationToken = default)
    {
        var endpoint = AppliedOf(run).Endpoint;
        return _stages.StepAsync(SessionOf(run), Smoke, () => SmokeAsync(Smoke, endpoint, cancellationToken), cancellationToken);
    }

    internal static LedgerSession SessionOf(StagingRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Session ?? throw new InvalidOperationException("The staging deployment has no ledger record: AcquireStagingLock did not run.");
    }

    private static AppliedStack AppliedOf(StagingRun run) =>
        run.Applied ?? throw new InvalidOperationException("The staging workspace was not applied in this run: ApplyStaging did not run.");

    private async Task<StepResult<PushOutcome>> PushAsync(StagingRun run, CancellationToken cancellationToken)
    {
        var database = run.Staging.Database();
        runtime.Redactor.Register(database.Password);
        PushOutcome push;
        try
        {
            push = await new SupabaseCli(runner, run.Staging.SupabaseCli).PushAsync(run.Staging.SupabaseWorkdir ?? run.Staging.AppRoot, database, run.Staging.IncludeSeed, cancellationToken).ConfigureAwait(false);
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

    private async Task<StepResult<CommandResult>> IntegrationAsync(StagingRun run, Uri endpoint, CancellationToken cancellationToken)
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
            result = await runner.RunAsync(new CommandSpec("npm", ["run", run.Staging.IntegrationScript], run.Staging.AppRoot)
            {
                Environment = environment,
                Timeout = run.Staging.IntegrationTimeout,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandException ex)
        {
            throw new DeploymentStepException(IntegrationTests, $"could not run npm run {run.Staging.IntegrationScript}: {ex.Message}");
        }

        runtime.Artifacts.WriteText("deploy/integration-staging.log", result.StandardOutput + result.StandardError);
        return result.Succeeded
            ? new StepResult<CommandResult>(result, [$"npm run {run.Staging.IntegrationScript} against {baseUrl}: passed"])
            : throw new DeploymentStepException(IntegrationTests, $"npm run {run.Staging.IntegrationScript} against {baseUrl} failed (exit {result.ExitCode}):\n{result.Tail(15)}");
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
