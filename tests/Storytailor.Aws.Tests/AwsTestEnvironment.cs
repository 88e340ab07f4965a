using NUnit.Framework;
using Storytailor.Aws;
using Storytailor.Core;
using Storytailor.FakeAws;

namespace Storytailor.Aws.Tests;

/// <summary>
/// Points the SDK's default chain at the fake's test credentials and away from any real profile,
/// instance metadata or AWS endpoint, for the whole test run.
/// </summary>
[SetUpFixture]
public sealed class AwsTestEnvironment
{
    private AwsEnvironmentIsolation? _isolation;

    public static FakeCredentials TestCredentials => AwsEnvironmentIsolation.TestCredentials;

    [OneTimeSetUp]
    public void Isolate() => _isolation = new AwsEnvironmentIsolation("aws-tests");

    [OneTimeTearDown]
    public void Restore() => _isolation?.Dispose();

    public static void UseEnvironmentCredentials() => AwsEnvironmentIsolation.UseTestCredentials();

    /// <summary>Settings that send every service to the fake, with quick retries.</summary>
    public static AwsSettings SettingsFor(FakeAwsServer server, int maxAttempts = 4) => new()
    {
        Region = server.Region,
        EndpointUrl = server.Endpoint,
        MaxAttempts = maxAttempts,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        RetryMaxDelay = TimeSpan.FromMilliseconds(50),
        RequestTimeout = TimeSpan.FromSeconds(10),
    };
}

/// <summary>A fake AWS per test, and a client factory aimed at it.</summary>
public abstract class FakeAwsTest
{
    protected FakeAwsServer Server { get; private set; } = null!;

    protected RecordingLog Log { get; private set; } = null!;

    protected AwsClientFactory Factory { get; private set; } = null!;

    [SetUp]
    public async Task StartFake()
    {
        Server = await FakeAwsServer.StartAsync();
        Log = new RecordingLog();
        Factory = new AwsClientFactory(AwsTestEnvironment.SettingsFor(Server), Log);
    }

    [TearDown]
    public async Task StopFake()
    {
        Factory.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>No line of the log may carry a secret or a signature.</summary>
    protected void AssertLogHasNoSecrets()
    {
        Assert.That(Log.Text, Does.Not.Contain(AwsTestEnvironment.TestCredentials.SecretAccessKey));
        Assert.That(Log.Text, Does.Not.Contain("Signature="));
        Assert.That(Log.Text, Does.Not.Contain("x-amz-security-token").IgnoreCase);
    }
}
