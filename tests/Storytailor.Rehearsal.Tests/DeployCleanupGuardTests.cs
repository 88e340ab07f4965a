using System.Text.Json;
using Storytailor.Aws;
using Storytailor.Build.Services.Deployment;
using Storytailor.Build.Tests;
using Storytailor.Core;
using Storytailor.Deploy;
using Storytailor.FakeAws;

namespace Storytailor.Rehearsal.Tests;

/// <summary>The cleanup step of DeployProduction never destroys the colour the public record points to.</summary>
[TestFixture]
[NonParallelizable]
public sealed class DeployCleanupGuardTests
{
    private const string Zone = "ZGUARD0001";
    private const string Domain = "api.guard.test";

    private FakeAwsServer _fake = null!;
    private AwsClientFactory _factory = null!;
    private RecordingStack _stack = null!;
    private string? _previousKey;
    private string? _previousSecret;

    [SetUp]
    public async Task StartFakeAws()
    {
        _fake = await FakeAwsServer.StartAsync();
        _fake.S3.CreateBucket("guard-bucket");
        _fake.Route53.CreateHostedZone(Zone, "guard.test");
        _previousKey = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
        _previousSecret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", _fake.Credentials.AccessKeyId);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", _fake.Credentials.SecretAccessKey);
        _factory = new AwsClientFactory(new AwsSettings { Region = _fake.Region, EndpointUrl = _fake.Endpoint, MaxAttempts = 1 }, new RecordingLog());
        _stack = new RecordingStack();
    }

    [TearDown]
    public async Task StopFakeAws()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", _previousKey);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", _previousSecret);
        _factory.Dispose();
        await _fake.DisposeAsync();
    }

    [Test]
    public async Task Cleanup_is_refused_while_the_record_points_to_the_old_colour()
    {
        _fake.Route53.PutRecord(Zone, new FakeRecordSet(Domain, "CNAME", ["blue-api.guard.test"], 1));
        var deployment = new ReleaseStages(Runtime());

        var (destroyed, decision) = await deployment.CleanUpOldColourAsync(DeploymentColour.Green, DateTimeOffset.UtcNow.AddMinutes(-10), PassedMonitoring(), "v1.0.0");

        Assert.That(destroyed, Is.False);
        Assert.That(_stack.Destroyed, Is.Empty, "terraform destroy was never called");
        Assert.That(decision.Reasons, Has.Some.Contains("points to blue").And.Some.Contains("refusing"));
    }

    [Test]
    public async Task Cleanup_destroys_the_old_colour_when_the_record_points_to_the_new_one()
    {
        _fake.Route53.PutRecord(Zone, new FakeRecordSet(Domain, "CNAME", ["green-api.guard.test"], 1));
        // Blue served traffic before the switch (ten minutes ago) and none since: its request count is where the build looks.
        _fake.CloudWatch.Publish("AWS/ApiGateway", "Count", new Dictionary<string, string> { ["ApiId"] = "blue-api-id", ["Stage"] = "v1" }, DateTimeOffset.UtcNow.AddMinutes(-12), 40);
        var deployment = new ReleaseStages(Runtime());

        var (destroyed, _) = await deployment.CleanUpOldColourAsync(DeploymentColour.Green, DateTimeOffset.UtcNow.AddMinutes(-10), PassedMonitoring(), "v1.0.0");

        Assert.That(destroyed, Is.True);
        Assert.That(_stack.Destroyed, Is.EqualTo(new[] { "prod-blue" }));
    }

    private static MonitoringResult PassedMonitoring() =>
        new(MonitoringVerdict.Passed, [new MonitoringSample(1, DateTimeOffset.UtcNow, [], ["healthy"], 0)], [], [], DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow);

    private DeploymentRuntime Runtime()
    {
        var settings = DeploymentSettingsParser.Parse("production", new Dictionary<string, string?>
        {
            ["Domain"] = Domain,
            ["RecordTtl"] = "1",
            ["Blue.Endpoint"] = "blue-api.guard.test",
            ["Green.Endpoint"] = "green-api.guard.test",
            ["Blue.Functions"] = "fn-blue",
            ["Green.Functions"] = "fn-green",
        });
        var redactor = new SecretRedactor();
        var log = new RecordingLog();
        var artifacts = new ArtifactWriter(Path.Combine(Path.GetTempPath(), "storytailor-guard-" + Guid.NewGuid().ToString("N")), redactor);
        return new DeploymentRuntime(
            settings, Zone, _factory.ArtifactStore("guard-bucket"), _factory.DnsRouter(), _factory.FunctionRegistry(), _factory.MetricsReader(), _stack,
            new PrePromotionTests(log, new CommandRunner(log, redactor), artifacts, redactor), new PrePromotionSettings(Path.GetTempPath(), "production"),
            new Uri("http://127.0.0.1:9/"), artifacts, redactor, log, TimeProvider.System);
    }

    private sealed class RecordingStack : IWorkspaceStack
    {
        public List<string> Destroyed { get; } = [];

        public StackPlan Plan(string workspace, StackVariables variables, bool destroy = false) => throw new NotSupportedException("cleanup does not plan");

        public void Apply(StackPlan plan) => throw new NotSupportedException("cleanup does not apply");

        public IReadOnlyDictionary<string, JsonElement> Outputs(string workspace) => new Dictionary<string, JsonElement>
        {
            ["api_id"] = JsonDocument.Parse(workspace == "prod-blue" ? "\"blue-api-id\"" : "\"green-api-id\"").RootElement.Clone(),
            ["api_stage"] = JsonDocument.Parse("\"v1\"").RootElement.Clone(),
        };

        public void Destroy(string workspace, StackVariables variables) => Destroyed.Add(workspace);
    }
}
