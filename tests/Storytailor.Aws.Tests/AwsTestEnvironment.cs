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
    public static readonly FakeCredentials TestCredentials = new FakeAwsServer().Credentials;

    internal static readonly string[] Variables =
    [
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
        "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
        "AWS_ROLE_SESSION_NAME", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_S3", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_STS_REGIONAL_ENDPOINTS",
    ];

    private readonly Dictionary<string, string?> _saved = [];

    [OneTimeSetUp]
    public void Isolate()
    {
        foreach (var name in Variables)
        {
            _saved[name] = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, null);
        }

        var nowhere = Path.Combine(Path.GetTempPath(), "storytailor-aws-tests-no-such-dir");
        Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", Path.Combine(nowhere, "config"));
        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", Path.Combine(nowhere, "credentials"));
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        UseEnvironmentCredentials();
    }

    [OneTimeTearDown]
    public void Restore()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    public static void UseEnvironmentCredentials()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", TestCredentials.AccessKeyId);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", TestCredentials.SecretAccessKey);
        Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", null);
    }

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
