using System.Security.Cryptography;
using System.Text.Json;
using Storytailor.Build.Services.Deployment;
using Storytailor.Build.Tests;
using Storytailor.Core;
using Storytailor.Database;
using Storytailor.Deploy;
using Storytailor.FakeAws;

namespace Storytailor.Rehearsal.Tests;

/// <summary>
/// DeployStaging rehearsed end to end without AWS: the fake AWS, real Terraform on the example's configuration (local
/// backend, staging workspace), migrations pushed by the Supabase CLI to a throwaway PostgreSQL, and the router behind
/// a stand-in of the staging endpoint that serves whatever version Terraform last applied (one version can be broken).
/// </summary>
[TestFixture]
[Category("EndToEnd")]
[NonParallelizable]
public sealed partial class DeployStagingRehearsalTests
{
    private DeployRehearsal _rehearsal = null!;
    private ThrowawayPostgres _postgres = null!;

    [OneTimeSetUp]
    public async Task Prepare()
    {
        var runner = new CommandRunner(new RecordingLog(), new SecretRedactor());
        // The pinned CLI, installed as ./build.sh installs it (atomically, once for concurrent runs).
        await StagingCase.EnsureSupabaseCliAsync(runner);
        _postgres = await ThrowawayPostgres.StartAsync(new PostgresSettings(), runner, new RecordingLog(), new SecretRedactor());
        _rehearsal = RehearsalAssembly.Shared;
    }

    [OneTimeTearDown]
    public async Task Dispose()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }

    [Test]
    public async Task A_successful_staging_deployment_applies_migrates_and_passes_every_test()
    {
        await using var staging = await StagingCase.StartAsync(_rehearsal, "staging-success", await _postgres.CreateDatabaseAsync("staging_success"));

        var run = staging.Build("--target=DeployStaging");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        var record = staging.Ledger().Single().RootElement;
        Assert.That(record.GetProperty("outcome").GetString(), Is.EqualTo("Succeeded"));
        Assert.That(record.GetProperty("version").GetString(), Does.StartWith("0.0.0-"), "no --tag: a pre-release version");
        Assert.That(Steps(record), Is.EqualTo(StagingStages.Steps));
        Assert.That(staging.DeployedVersion(), Is.EqualTo(record.GetProperty("version").GetString()), "Terraform applied that version to the staging workspace");
        Assert.That(await staging.AppliedMigrationsAsync(), Is.EqualTo(Directory.GetFiles(Path.Combine(_rehearsal.App, "supabase", "migrations"), "*.sql").Length));
        Assert.That(Facts(record, "load-test"), Has.Some.StartsWith("load 'staging':"), "the staging profile (shortened by --load-duration/--load-vus)");
        Assert.That(Facts(record, "migrations"), Has.Some.Contains("applied 4 migration(s)"));
        Assert.That(staging.Fake.S3.Keys(DeployRehearsal.Bucket).Where(k => k.StartsWith("locks/", StringComparison.Ordinal)), Is.Empty, "lock released");

        // No set published for the commit: this run built it, says so, and records it (published first) as passing staging.
        Assert.That(run.Output, Does.Contain("Artifacts: built by this run (Package), because no artifact set is published for " + _rehearsal.Commit));
        Assert.That(Facts(record, "preflight"), Has.Some.StartsWith("artifacts built by this run"));
        var keys = staging.Fake.S3.Keys(DeployRehearsal.Bucket);
        Assert.That(keys, Does.Contain($"builds/{_rehearsal.Commit}/manifest.json"));
        Assert.That(keys, Has.One.StartsWith($"builds/{_rehearsal.Commit}/passed-staging/"));
        Assert.That(run.Output, Does.Contain("recorded as passing staging"));
    }

    [Test]
    public async Task A_failure_after_apply_rolls_back_to_the_previous_version_and_says_migrations_are_forward_only()
    {
        await using var staging = await StagingCase.StartAsync(_rehearsal, "staging-rollback", await _postgres.CreateDatabaseAsync("staging_rollback"));
        var first = staging.Build("--target=DeployStaging", "--tag=v1.0.0");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());

        staging.BrokenVersion = "v1.1.0";
        var run = staging.Build("--target=DeployStaging", "--tag=v1.1.0");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("failed at 'integration-tests'").And.Contain("Rolled back automatically: v1.0.0 is applied again"));
        Assert.That(staging.DeployedVersion(), Is.EqualTo("v1.0.0"), "the previous version is applied again");
        var records = staging.Ledger().Select(d => d.RootElement).ToList();
        var failed = records.Single(r => r.GetProperty("version").GetString() == "v1.1.0");
        Assert.That(failed.GetProperty("outcome").GetString(), Is.EqualTo("RolledBack"));
        Assert.That(failed.GetProperty("reason").GetString(), Does.Contain("migrations are forward-only").And.Contain("integration-tests"));
        Assert.That(Steps(failed), Does.Contain("rollback").And.Not.Contain("smoke"));
        var rollback = failed.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "rollback");
        Assert.That(rollback.GetProperty("outcome").GetString(), Is.EqualTo("Succeeded"));
        Assert.That(rollback.GetProperty("facts").EnumerateArray().Select(f => f.GetString()), Has.Some.Contains("checks passed"));
        Assert.That(records.Single(r => r.GetProperty("version").GetString() == "v1.0.0").GetProperty("outcome").GetString(), Is.EqualTo("Succeeded"));
        Assert.That(staging.Fake.S3.Keys(DeployRehearsal.Bucket).Where(k => k.StartsWith("locks/", StringComparison.Ordinal)), Is.Empty, "lock released");
    }

    [Test]
    public async Task Killed_after_migrations_then_run_again_closes_the_dead_record_and_deploys_from_the_start()
    {
        await using var staging = await StagingCase.StartAsync(_rehearsal, "staging-killed", await _postgres.CreateDatabaseAsync("staging_killed"));

        var killed = staging.BuildKilledAfter(DeploymentSteps.Migrations, "--target=DeployStaging", "--tag=v1.2.0");
        Assert.That(killed.ExitCode, Is.Not.Zero, killed.ToString());
        Assert.That(staging.Ledger().Single().RootElement.GetProperty("outcome").GetString(), Is.EqualTo("InProgress"));
        using var held = JsonDocument.Parse(staging.Fake.S3.Object(DeployRehearsal.Bucket, "locks/staging.json")!.Content);
        var lockId = held.RootElement.GetProperty("lockId").GetString();

        var again = staging.Build("--target=DeployStaging", "--tag=v1.2.0", $"--force-unlock={lockId}");

        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        Assert.That(again.Output, Does.Contain("closed as failed: interrupted after 'migrations'"));
        var outcomes = staging.Ledger().Select(r => r.RootElement.GetProperty("outcome").GetString()).ToList();
        Assert.That(outcomes, Is.EquivalentTo(new[] { "Failed", "Succeeded" }), "the dead run's record closed, the new one finished");
        Assert.That(staging.DeployedVersion(), Is.EqualTo("v1.2.0"));
        Assert.That(await staging.AppliedMigrationsAsync(), Is.EqualTo(4), "migrations pushed again are a no-op: each applied once");
        Assert.That(staging.Fake.S3.Object(DeployRehearsal.Bucket, "locks/staging.json"), Is.Null, "lock released");
    }

    [Test]
    public async Task Dry_run_prints_the_plan_and_makes_no_mutating_call()
    {
        await using var staging = await StagingCase.StartAsync(_rehearsal, "staging-dry-run", await _postgres.CreateDatabaseAsync("staging_dry_run"));
        var stateBefore = staging.StateFiles();

        var run = staging.Build("--target=DeployStaging", "--tag=v2.0.0", "--dry-run");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("DRY RUN: DeployStaging of v2.0.0 to 'staging' (staging-api.rehearsal.test), Terraform workspace staging; nothing is changed."));
        Assert.That(run.Output, Does.Contain("Lock: free (locks/staging.json)"));
        Assert.That(run.Output, Does.Contain("Rollback target: none (no successful staging deployment in the ledger)"));
        Assert.That(run.Output, Does.Contain("Terraform plan of staging: workspace staging does not exist yet: a run creates it and applies every resource of the configuration (a dry run creates nothing)"));
        Assert.That(run.Output, Does.Contain("supabase db push --include-seed to 127.0.0.1:").And.Contain("with the 4 file(s) of supabase/migrations: 20240101000000_users.sql, 20240101000100_child_profiles.sql"));
        Assert.That(run.Output, Does.Match(@"Pending on 127\.0\.0\.1:\d+/staging_dry_run \(read-only\): 4 of 4: 20240101000000_users.sql"));
        Assert.That(run.Output, Does.Contain("integration: npm run test:integration"));
        Assert.That(run.Output, Does.Contain("load test: staging: closed model, 2 virtual users for 2 s").And.Contain("thresholds http_req_duration: p(95)<10000, http_req_failed: rate<0.01"), "the profile of the app's scenario file with the rehearsal's overrides");
        Assert.That(run.Output, Does.Contain("smoke suite: each check answered within 10000 ms"));
        Assert.That(run.Output, Does.Contain("Migrations are forward-only"));
        Assert.That(staging.Fake.MutatingRequests, Is.Empty, string.Join(", ", staging.Fake.MutatingRequests.Select(r => r.Operation)));
        Assert.That(staging.StateFiles(), Is.EqualTo(stateBefore), "Terraform created no workspace: the state backend is unchanged");
        Assert.That(staging.DeployedVersion(), Is.Null);
        Assert.That(await staging.AppliedMigrationsAsync(), Is.Zero, "no migration was pushed");
        Assert.That(staging.Ledger(), Is.Empty, "no ledger record");
        Assert.That(staging.Fake.S3.Keys(DeployRehearsal.Bucket), Is.Empty, "nothing uploaded, no lock");
    }

    [Test]
    public async Task Dry_run_names_the_lock_holder_and_the_rollback_target_and_changes_neither()
    {
        await using var staging = await StagingCase.StartAsync(_rehearsal, "staging-dry-run-held", await _postgres.CreateDatabaseAsync("staging_dry_run_held"));
        var first = staging.Build("--target=DeployStaging", "--tag=v1.0.0");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var holder = JsonSerializer.SerializeToUtf8Bytes(new { lockId = "0f1e2d3c4b5a6978", environment = "staging", owner = "octocat", runId = "777", version = "0.0.0-abc1234", startedAt = DateTimeOffset.UtcNow.AddMinutes(-2) });
        await DeployRehearsal.PutObjectAsync(staging.Fake, "locks/staging.json", holder);
        var lockBefore = staging.Fake.S3.Object(DeployRehearsal.Bucket, "locks/staging.json")!.ETag;
        var keysBefore = staging.Fake.S3.Keys(DeployRehearsal.Bucket);
        var stateBefore = staging.StateFiles();
        staging.Fake.ClearRequests();

        var run = staging.Build("--target=DeployStaging", "--tag=v1.1.0", "--dry-run");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("Lock: HELD by octocat (run 777, version 0.0.0-abc1234").And.Contain("lock id 0f1e2d3c4b5a6978); a run would stop."));
        Assert.That(run.Output, Does.Match(@"Rollback target: v1\.0\.0 \(deployment [^)]+, the newest successful one in the ledger\); an automatic rollback would re-apply its artifacts: router artifacts/"));
        Assert.That(run.Output, Does.Match(@"Terraform plan of staging: Plan: \d+ to add, \d+ to change, \d+ to destroy").And.Not.Contain("Terraform plan of staging: Plan: 0 to add, 0 to change, 0 to destroy"), "v1.0.0 is applied; v1.1.0 changes it");
        Assert.That(run.Output, Does.Contain("(read-only): none (4 migration(s) recorded)"));
        Assert.That(run.Output, Does.Contain("v1.0.0 is applied again and smoke-tested. Migrations are forward-only"));
        Assert.That(staging.Fake.MutatingRequests, Is.Empty, string.Join(", ", staging.Fake.MutatingRequests.Select(r => r.Operation)));
        Assert.That(staging.Fake.S3.Object(DeployRehearsal.Bucket, "locks/staging.json")!.ETag, Is.EqualTo(lockBefore), "the other run's lock is untouched");
        Assert.That(staging.Fake.S3.Keys(DeployRehearsal.Bucket), Is.EqualTo(keysBefore), "no ledger record, no upload");
        Assert.That(staging.StateFiles(), Is.EqualTo(stateBefore), "Terraform only planned");
        Assert.That(staging.DeployedVersion(), Is.EqualTo("v1.0.0"));
    }

    private static string?[] Facts(JsonElement record, string step) =>
        [.. record.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("name").GetString() == step).GetProperty("facts").EnumerateArray().Select(f => f.GetString())];

    private static string[] Steps(JsonElement record) => [.. record.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()!)];
}
