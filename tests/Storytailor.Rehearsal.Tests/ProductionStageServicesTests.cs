using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Storytailor.Aws;
using Storytailor.Build.Services.Deployment;
using Storytailor.Build.Tests;
using Storytailor.Core;
using Storytailor.Deploy;
using Storytailor.FakeAws;

namespace Storytailor.Rehearsal.Tests;

/// <summary>
/// DeployProduction's and Rollback's stage services in-process, without Cake, on a fake AWS and an in-memory Terraform stack: what
/// a run leaves behind when a stage fails (ledger closed, lock released, live colour untouched) and which stages a
/// run skips and why (resume, --skip-tests, first deployment). Seconds, beside the rehearsals.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ProductionStageServicesTests
{
    private const string Zone = "ZSTAGES0001";
    private const string Domain = "api.stages.test";
    private const string Bucket = "stages-bucket";

    private FakeAwsServer _fake = null!;
    private AwsClientFactory _factory = null!;
    private MemoryStack _stack = null!;
    private TemporaryFolder _artifacts = null!;
    private string? _previousKey;
    private string? _previousSecret;

    [SetUp]
    public async Task StartFakeAws()
    {
        _fake = await FakeAwsServer.StartAsync();
        _fake.S3.CreateBucket(Bucket);
        _fake.Route53.CreateHostedZone(Zone, "stages.test");
        _previousKey = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
        _previousSecret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", _fake.Credentials.AccessKeyId);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", _fake.Credentials.SecretAccessKey);
        _factory = new AwsClientFactory(new AwsSettings { Region = _fake.Region, EndpointUrl = _fake.Endpoint, MaxAttempts = 1 }, new RecordingLog());
        _stack = new MemoryStack();
        _artifacts = new TemporaryFolder("storytailor-stages-");
        Package("@storytailor/router", "router code");
    }

    [TearDown]
    public async Task StopFakeAws()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", _previousKey);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", _previousSecret);
        _factory.Dispose();
        await _fake.DisposeAsync();
        _artifacts.Dispose();
    }

    [Test]
    public async Task A_failed_apply_closes_the_ledger_releases_the_lock_and_leaves_the_live_colour()
    {
        BlueIsLive();
        _stack.PlanFailure = "terraform plan of prod-green failed: provider exploded";
        var run = NewRun();

        await new ProductionStart(run.Runtime).StartAsync(run);
        await new IdleColourStages(run.Runtime).UploadAsync(run);
        var failure = Assert.ThrowsAsync<DeploymentStepException>(() => new IdleColourStages(run.Runtime).ApplyAsync(run));
        var report = await new ReleaseStages(run.Runtime).FailAsync(run, "DeployIdleColour", failure!);
        await DeploymentRunEnd.ReleaseLockAsync(run);

        Assert.That(report.Succeeded, Is.False);
        Assert.That(report.Summary, Does.Contain("failed at 'apply'").And.Contain("provider exploded").And.Contain("the live colour is still blue"));
        using var record = LedgerRecord();
        Assert.That(record.RootElement.GetProperty("outcome").GetString(), Is.EqualTo("Failed"));
        Assert.That(record.RootElement.GetProperty("reason").GetString(), Does.StartWith("apply: "));
        Assert.That(record.RootElement.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()), Is.EqualTo(new[] { "preflight", "upload", "apply" }));
        Assert.That(_fake.S3.Object(Bucket, "locks/production.json"), Is.Null, "the lock is released");
        Assert.That(_fake.Route53.Changes, Is.Empty, "the public record was never changed");
        Assert.That(_stack.Applied, Is.Empty);
    }

    [Test]
    public async Task A_run_that_finds_the_lock_held_is_refused_and_opens_no_ledger_record()
    {
        BlueIsLive();
        var holder = NewRun();
        await new ProductionStart(holder.Runtime).StartAsync(holder);

        var second = NewRun();
        await new ProductionStart(second.Runtime).StartAsync(second);

        Assert.That(second.Report, Is.Not.Null);
        Assert.That(second.Report!.Refused, Is.True);
        Assert.That(second.Report.Summary, Does.Contain("holds the lock"));
        Assert.That(second.Session, Is.Null);
        Assert.That(LedgerKeys(), Has.Count.EqualTo(1), "only the first run's record");
        var failed = await new ReleaseStages(second.Runtime).FailAsync(second, "AcquireDeploymentLock", new InvalidOperationException("refused"));
        await DeploymentRunEnd.ReleaseLockAsync(second);
        Assert.That(failed, Is.SameAs(second.Report), "a refused run keeps its report");
        Assert.That(_fake.S3.Object(Bucket, "locks/production.json"), Is.Not.Null, "the refused run never releases another run's lock");
    }

    [Test]
    public async Task A_run_started_on_a_live_colour_skips_only_the_stages_it_decides_to_skip()
    {
        BlueIsLive();
        var run = NewRun(skipTestsReason: "hotfix for incident 42");
        await new ProductionStart(run.Runtime).StartAsync(run);

        Assert.That(run.Before, Is.EqualTo(DeploymentColour.Blue));
        Assert.That(run.Idle, Is.EqualTo(DeploymentColour.Green));
        Assert.That(DeploymentSteps.Production.Skip(1).Where(s => run.WhyNotRun(s) is not null), Is.EqualTo(new[] { DeploymentSteps.Tests }));
        Assert.That(run.WhyNotRun(DeploymentSteps.Tests)!.Reason, Is.EqualTo("--skip-tests: hotfix for incident 42"));
        Assert.That(run.WhyNotRun(DeploymentSteps.Tests)!.RecordedByStage, Is.True, "the ledger records the skipped tests step");
    }

    [Test]
    public async Task A_first_deployment_has_no_old_colour_to_clean_up()
    {
        var run = NewRun();
        await new ProductionStart(run.Runtime).StartAsync(run);

        Assert.That(run.Before, Is.Null);
        Assert.That(run.WhyNotRun(DeploymentSteps.Cleanup)?.Reason, Is.EqualTo("first deployment: no old colour to clean up"));
        await new ReleaseStages(run.Runtime).RecordCleanupSkippedAsync(run);
        var report = await new ReleaseStages(run.Runtime).SucceedAsync(run);
        await DeploymentRunEnd.ReleaseLockAsync(run);
        Assert.That(report.Summary, Does.Contain("first deployment, nothing to clean up"));
        using var record = LedgerRecord();
        var cleanup = record.RootElement.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "cleanup");
        Assert.That(cleanup.GetProperty("outcome").GetString(), Is.EqualTo("Skipped"));
    }

    [TestCase(DeploymentSteps.Monitoring, new[] { DeploymentSteps.Upload, DeploymentSteps.Migrations, DeploymentSteps.Apply, DeploymentSteps.VerifyFunctions, DeploymentSteps.Warmup, DeploymentSteps.Tests, DeploymentSteps.Switch })]
    [TestCase(DeploymentSteps.Cleanup, new[] { DeploymentSteps.Upload, DeploymentSteps.Migrations, DeploymentSteps.Apply, DeploymentSteps.VerifyFunctions, DeploymentSteps.Warmup, DeploymentSteps.Tests, DeploymentSteps.Switch, DeploymentSteps.Monitoring })]
    public void A_resumed_deployment_skips_the_stages_the_earlier_run_did(string fromStep, string[] done)
    {
        var record = new DeploymentRecord { Id = "dep-0042", Environment = "production", Version = "v1.1.0", StartedAt = DateTimeOffset.UtcNow, Trigger = new DeploymentTrigger("octocat", "manual", null, null) };
        var run = NewRun(skipTestsReason: "still skipped");
        run.Resumed = new ResumedDeployment(record.Id, fromStep, record);
        run.Before = DeploymentColour.Blue;

        var skipped = DeploymentSteps.Production.Skip(1).Where(s => run.WhyNotRun(s) is not null).ToList();

        Assert.That(skipped, Is.EqualTo(done));
        Assert.That(skipped.Select(s => run.WhyNotRun(s)!.Reason), Is.All.EqualTo("resumed deployment dep-0042: done by the earlier run"));
        Assert.That(skipped.Select(s => run.WhyNotRun(s)!.RecordedByStage), Is.All.False, "the earlier run's ledger steps stand");
    }

    [Test]
    public async Task A_rollback_already_on_its_target_has_nothing_to_do_and_takes_no_lock()
    {
        BlueIsLive(); // the newest deployment went from blue to green, and the record is on blue again
        await RecordSuccessfulDeploymentAsync("v1.1.0", DeploymentColour.Blue, DeploymentColour.Green);
        var run = NewRollback();

        await new OnCallRollback(run.Runtime).StartAsync(run);

        Assert.That(run.Report, Is.Not.Null);
        Assert.That(run.Report!.Succeeded, Is.True, run.Report.Summary);
        Assert.That(run.Report.Summary, Does.Contain("already points to blue"));
        Assert.That(run.WhyNotRestore, Does.StartWith("nothing to do: "));
        Assert.That(run.WhyNotSwitch, Does.StartWith("nothing to do: "));
        Assert.That(run.Lock, Is.Null);
        Assert.That(_fake.S3.Object(Bucket, "locks/production.json"), Is.Null, "no lock taken");
        Assert.That(LedgerKeys(), Has.Count.EqualTo(1), "no rollback record opened");
    }

    [Test]
    public async Task A_rollback_whose_switch_back_fails_closes_its_record_Failed_and_releases_the_lock()
    {
        GreenIsLive();
        await RecordSuccessfulDeploymentAsync("v1.1.0", DeploymentColour.Blue, DeploymentColour.Green);
        _stack.Deployed.Add("prod-blue"); // blue still exists: only the record is switched back
        _fake.Route53.StickNewChangesInPending = true;
        var run = NewRollback();
        var rollback = new OnCallRollback(run.Runtime);

        await rollback.StartAsync(run);
        Assert.That(run.WhyNotRestore, Is.EqualTo("blue still exists: only the record is switched back"));
        Assert.That(_fake.S3.Object(Bucket, "locks/production.json"), Is.Not.Null, "the rollback holds the lock");
        var failure = Assert.ThrowsAsync<DeploymentStepException>(() => rollback.SwitchBackAsync(run));
        var report = await rollback.FailAsync(run, "SwitchBack", failure!);
        await DeploymentRunEnd.ReleaseLockAsync(run);

        Assert.That(report.Succeeded, Is.False);
        Assert.That(report.Summary, Does.StartWith("Rollback failed at 'switch'").And.Contain("not INSYNC"));
        Assert.That(_fake.S3.Object(Bucket, "locks/production.json"), Is.Null, "the lock is released");
        using var record = JsonDocument.Parse(_fake.S3.Object(Bucket, run.Session!.Key)!.Content);
        Assert.That(record.RootElement.GetProperty("kind").GetString(), Is.EqualTo("Rollback"));
        Assert.That(record.RootElement.GetProperty("outcome").GetString(), Is.EqualTo("Failed"));
        Assert.That(record.RootElement.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()), Is.EqualTo(new[] { "preflight", "rollback" }));
    }

    [Test]
    public async Task A_rollback_onto_a_cleaned_up_colour_that_fails_to_apply_never_switches()
    {
        GreenIsLive();
        await RecordSuccessfulDeploymentAsync("v1.0.0", null, DeploymentColour.Blue);
        await RecordSuccessfulDeploymentAsync("v1.1.0", DeploymentColour.Blue, DeploymentColour.Green);
        _stack.PlanFailure = "terraform plan of prod-blue failed: provider exploded";
        var run = NewRollback();
        var rollback = new OnCallRollback(run.Runtime);

        await rollback.StartAsync(run);
        Assert.That(run.WhyNotRestore, Is.Null, "blue was cleaned up: it is restored first");
        var failure = Assert.ThrowsAsync<DeploymentStepException>(() => rollback.RestoreAsync(run));
        var report = await rollback.FailAsync(run, "RestoreRollbackTarget", failure!);
        await DeploymentRunEnd.ReleaseLockAsync(run);

        Assert.That(report.Summary, Does.Contain("failed at 'apply'").And.Contain("provider exploded"));
        Assert.That(_fake.Route53.Changes, Is.Empty, "the record was never changed");
        Assert.That(_fake.S3.Object(Bucket, "locks/production.json"), Is.Null, "the lock is released");
        using var record = JsonDocument.Parse(_fake.S3.Object(Bucket, run.Session!.Key)!.Content);
        Assert.That(record.RootElement.GetProperty("outcome").GetString(), Is.EqualTo("Failed"));
    }

    private void GreenIsLive() => _fake.Route53.PutRecord(Zone, new FakeRecordSet(Domain, "CNAME", ["green-api.stages.test"], 1));

    private RollbackRun NewRollback() =>
        new(Runtime(), new DeploymentRequest("rollback", new DeploymentTrigger("octocat", "manual", Guid.NewGuid().ToString("N"), null)));

    /// <summary>A successful deployment of <paramref name="version"/> from one colour to the other, in the ledger.</summary>
    private async Task RecordSuccessfulDeploymentAsync(string version, DeploymentColour? before, DeploymentColour after)
    {
        var runtime = Runtime();
        var session = await runtime.Ledger.StartAsync(new DeploymentStart("production", version, new DeploymentTrigger("octocat", "push", "earlier", null))
        {
            ColourBefore = before,
            ColourAfter = after,
            PreviousVersion = before is null ? null : "v1.0.0",
        });
        await session.RecordStepAsync(DeploymentSteps.Preflight, StepOutcome.Succeeded, ["earlier release"]);
        await session.RecordStepAsync(DeploymentSteps.Upload, StepOutcome.Succeeded, [$"artifact router artifacts/storytailor-router/{version}.zip c29tZSBjb2Rl"]);
        await session.CloseAsync(DeploymentOutcome.Succeeded, null);
    }

    private void BlueIsLive() => _fake.Route53.PutRecord(Zone, new FakeRecordSet(Domain, "CNAME", ["blue-api.stages.test"], 1));

    private ProductionRun NewRun(string? skipTestsReason = null)
    {
        var request = new DeploymentRequest("v1.1.0", new DeploymentTrigger("octocat", "manual", Guid.NewGuid().ToString("N"), null))
        {
            SkipTests = skipTestsReason is not null,
            SkipTestsReason = skipTestsReason,
        };
        return new ProductionRun(Runtime(), request, _artifacts.Path);
    }

    private DeploymentRuntime Runtime()
    {
        var settings = DeploymentSettingsParser.Parse("production", new Dictionary<string, string?>
        {
            ["Domain"] = Domain,
            ["RecordTtl"] = "1",
            ["Blue.Endpoint"] = "blue-api.stages.test",
            ["Green.Endpoint"] = "green-api.stages.test",
            ["Blue.Functions"] = "storytailor-production-blue-router",
            ["Green.Functions"] = "storytailor-production-green-router",
            ["DnsSyncTimeout"] = "1s",
            ["DnsPollInterval"] = "250ms",
        });
        var redactor = new SecretRedactor();
        var log = new RecordingLog();
        var artifacts = new ArtifactWriter(Path.Combine(_artifacts.Path, "out"), redactor);
        return new DeploymentRuntime(
            settings, Zone, _factory.ArtifactStore(Bucket), _factory.DnsRouter(), _factory.FunctionRegistry(), _factory.MetricsReader(), _stack,
            new PrePromotionTests(log, new CommandRunner(log, redactor), artifacts, redactor), new PrePromotionSettings(_artifacts.Path, "production"),
            new Uri("http://127.0.0.1:9/"), artifacts, redactor, log, TimeProvider.System);
    }

    private void Package(string name, string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        var hash = SHA256.HashData(bytes);
        var file = $"packages/{name.TrimStart('@').Replace('/', '-')}-1.1.0.zip";
        Directory.CreateDirectory(Path.Combine(_artifacts.Path, "packages"));
        File.WriteAllBytes(Path.Combine(_artifacts.Path, file), bytes);
        var entry = new { name, version = "1.1.0", gitCommit = "abc", size = bytes.Length, sha256 = Convert.ToHexStringLower(hash), codeSha256 = Convert.ToBase64String(hash), fileName = file, files = 1 };
        File.WriteAllText(Path.Combine(_artifacts.Path, "manifest.json"), JsonSerializer.Serialize(new { gitCommit = "abc", packages = new[] { entry } }));
    }

    private List<string> LedgerKeys() => [.. _fake.S3.Keys(Bucket).Where(k => k.StartsWith("ledger/production/", StringComparison.Ordinal))];

    private JsonDocument LedgerRecord() => JsonDocument.Parse(_fake.S3.Object(Bucket, LedgerKeys().Single())!.Content);

    /// <summary>Terraform in memory: a plan can be made to fail; applies are recorded; outputs are empty (nothing deployed).</summary>
    private sealed class MemoryStack : IWorkspaceStack
    {
        public string? PlanFailure { get; set; }

        public List<string> Applied { get; } = [];

        public StackPlan Plan(string workspace, StackVariables variables, bool destroy = false) =>
            PlanFailure is { } failure
                ? throw new StackException(failure)
                : new StackPlan(workspace, true, new Checks.Terraform.TerraformPlanSummary(1, 0, 0, []), "memory.plan");

        public void Apply(StackPlan plan) => Applied.Add(plan.Workspace);

        /// <summary>Workspaces that have an endpoint output (a stack that exists).</summary>
        public HashSet<string> Deployed { get; } = [];

        public IReadOnlyDictionary<string, JsonElement> Outputs(string workspace) => Deployed.Contains(workspace)
            ? new Dictionary<string, JsonElement> { ["api_endpoint"] = JsonSerializer.SerializeToElement($"https://{workspace}.stages.test") }
            : new Dictionary<string, JsonElement>();

        public void Destroy(string workspace, StackVariables variables) => throw new NotSupportedException("these tests destroy nothing");
    }
}
