using NUnit.Framework;
using Storytailor.Aws;
using Storytailor.Core;
using Storytailor.Deploy;
using Storytailor.FakeAws;

[assembly: Parallelizable(ParallelScope.All)]
[assembly: FixtureLifeCycle(LifeCycle.InstancePerTestCase)]

namespace Storytailor.Deploy.Tests;

/// <summary>
/// Points the SDK's default chain at the fake's test credentials and away from any real profile, instance
/// metadata or AWS endpoint, once for the whole run (before any test starts).
/// </summary>
[SetUpFixture]
public sealed class DeployTestEnvironment
{
    private AwsEnvironmentIsolation? _isolation;

    [OneTimeSetUp]
    public void Isolate() => _isolation = new AwsEnvironmentIsolation("deploy-tests");

    [OneTimeTearDown]
    public void Restore() => _isolation?.Dispose();
}

/// <summary>
/// A clock that only moves when someone waits on it: every timer jumps the time forward by its due time and
/// fires at once. Waits of the code under test then take no real time, and their order is kept.
/// </summary>
public sealed class SteppingTime(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _gate = new();
    private DateTimeOffset _now = start;

    public SteppingTime()
        : this(new DateTimeOffset(2025, 6, 2, 10, 0, 0, TimeSpan.Zero))
    {
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public void Advance(TimeSpan by)
    {
        lock (_gate)
        {
            _now += by;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (period != Timeout.InfiniteTimeSpan && period != TimeSpan.Zero)
        {
            throw new NotSupportedException("SteppingTime only runs one-shot timers.");
        }

        var timer = new SteppingTimer();
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            Advance(dueTime);
            ThreadPool.QueueUserWorkItem(_ =>
            {
                if (!timer.Disposed)
                {
                    callback(state);
                }
            });
        }

        return timer;
    }

    private sealed class SteppingTimer : ITimer
    {
        public bool Disposed { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period) => false;

        public void Dispose() => Disposed = true;

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>A fake AWS per test, clients aimed at it, a stepping clock shared with the fake, a temp artifacts folder.</summary>
public abstract class FakeAwsTest
{
    public const string Bucket = "storytailor-pipeline";
    public const string ZoneId = "Z0FAKEZONE";
    public const string Domain = "api.storytailor.test";
    public const string BlueEndpoint = "blue-api.storytailor.test";
    public const string GreenEndpoint = "green-api.storytailor.test";

    protected FakeAwsServer Server { get; private set; } = null!;

    protected RecordingLog Log { get; private set; } = null!;

    protected AwsClientFactory Factory { get; private set; } = null!;

    protected SteppingTime Time { get; private set; } = null!;

    protected string ArtifactsRoot { get; private set; } = null!;

    protected IArtifactStore Store { get; private set; } = null!;

    [SetUp]
    public async Task StartFake()
    {
        Server = await FakeAwsServer.StartAsync();
        Time = new SteppingTime();
        Server.Clock = Time.GetUtcNow;
        Server.S3.CreateBucket(Bucket);
        Server.Route53.CreateHostedZone(ZoneId, "storytailor.test");
        Log = new RecordingLog();
        Factory = new AwsClientFactory(new AwsSettings
        {
            Region = Server.Region,
            EndpointUrl = Server.Endpoint,
            MaxAttempts = 3,
            RetryBaseDelay = TimeSpan.FromMilliseconds(2),
            RetryMaxDelay = TimeSpan.FromMilliseconds(10),
            RequestTimeout = TimeSpan.FromSeconds(10),
        }, Log);
        Store = Factory.ArtifactStore(Bucket);
        ArtifactsRoot = Path.Combine(Path.GetTempPath(), "storytailor-deploy-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(ArtifactsRoot);
    }

    [TearDown]
    public async Task StopFake()
    {
        Factory.Dispose();
        await Server.DisposeAsync();
        if (Directory.Exists(ArtifactsRoot))
        {
            Directory.Delete(ArtifactsRoot, recursive: true);
        }
    }

    /// <summary>Every request the code under test sent was signed correctly (the fake checked SigV4).</summary>
    protected void AssertAllSigned() =>
        Assert.That(Server.Requests.Where(r => !r.SignatureValid).Select(r => $"{r.Service} {r.Operation}"), Is.Empty);

    protected static DeploymentEnvironmentSettings Production(Action<Dictionary<string, string?>>? change = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Domain"] = Domain,
            ["Blue.Endpoint"] = BlueEndpoint,
            ["Green.Endpoint"] = GreenEndpoint,
            ["Blue.Functions"] = "storytailor-prod-blue-router",
            ["Green.Functions"] = "storytailor-prod-green-router",
            ["RecordTtl"] = "60",
            ["MonitoringWindow"] = "10m",
            ["PollInterval"] = "1m",
            ["DnsSyncTimeout"] = "300ms",
            ["DnsPollInterval"] = "10ms",
        };
        change?.Invoke(values);
        return DeploymentSettingsParser.Parse(DeploymentEnvironmentSettings.Production, values);
    }

    protected void PointRecordTo(string target, long ttl = 60) =>
        Server.Route53.PutRecord(ZoneId, new FakeRecordSet(Domain, "CNAME", [target], ttl));

    protected string? RecordTarget() =>
        Server.Route53.Records(ZoneId).FirstOrDefault(r => r.Name == Domain + ".")?.Values[0];
}
