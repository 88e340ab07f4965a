using NUnit.Framework;
using Storytailor.Core;
using Storytailor.FakeAws;

namespace Storytailor.Aws.Tests;

[NonParallelizable]
public sealed class CredentialsAndEndpointTests : FakeAwsTest
{
    [Test]
    public async Task Credentials_from_the_environment_sign_requests_the_fake_accepts()
    {
        Server.Lambda.PutFunction(new FakeFunction("fn"));
        await Factory.FunctionRegistry().GetConfigurationAsync("fn");
        Assert.That(Server.Requests.Single().SignatureValid, Is.True);
    }

    [Test]
    public async Task Credentials_from_a_web_identity_token_file_are_exchanged_at_the_fake_sts()
    {
        var tokenFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(tokenFile, "github-oidc-token-for-tests");
        Server.Sts.AcceptedToken = "github-oidc-token-for-tests";
        Server.Lambda.PutFunction(new FakeFunction("fn"));
        var variables = new Dictionary<string, string?>
        {
            ["AWS_ACCESS_KEY_ID"] = null,
            ["AWS_SECRET_ACCESS_KEY"] = null,
            ["AWS_WEB_IDENTITY_TOKEN_FILE"] = tokenFile,
            ["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/storytailor-pipeline",
            ["AWS_ROLE_SESSION_NAME"] = "storytailor-ci",
            ["AWS_ENDPOINT_URL_STS"] = Server.Endpoint.ToString().TrimEnd('/'),
            ["AWS_REGION"] = Server.Region,
        };
        try
        {
            foreach (var (name, value) in variables)
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            using var factory = new AwsClientFactory(AwsTestEnvironment.SettingsFor(Server), Log);
            var config = await factory.FunctionRegistry().GetConfigurationAsync("fn");

            Assert.That(config.FunctionName, Is.EqualTo("fn"));
            Assert.That(Server.Sts.AssumedRoles, Is.EqualTo(new[] { ("arn:aws:iam::123456789012:role/storytailor-pipeline", "storytailor-ci") }));
            var signed = Server.Requests.Single(r => r.Operation == "GetFunctionConfiguration");
            Assert.That(signed.SignatureValid, Is.True, "signed with the issued temporary credentials and session token");
            Assert.That(Log.Text, Does.Not.Contain(Server.Sts.LastIssued!.SecretAccessKey).And.Not.Contain(Server.Sts.LastIssued.SessionToken!));
            Assert.That(Log.Text, Does.Not.Contain("github-oidc-token-for-tests"));
        }
        finally
        {
            foreach (var name in variables.Keys)
            {
                Environment.SetEnvironmentVariable(name, null);
            }

            AwsTestEnvironment.UseEnvironmentCredentials();
            File.Delete(tokenFile);
        }
    }

    [Test]
    public async Task A_wrong_secret_is_refused_with_SignatureDoesNotMatch()
    {
        Server.Lambda.PutFunction(new FakeFunction("fn"));
        Server.Route53.CreateHostedZone("Z1", "example.test");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "definitely-not-the-secret-key");
        try
        {
            using var factory = new AwsClientFactory(AwsTestEnvironment.SettingsFor(Server), Log);
            var lambda = Assert.ThrowsAsync<AwsServiceException>(() => factory.FunctionRegistry().GetConfigurationAsync("fn"));
            var dns = Assert.ThrowsAsync<AwsServiceException>(() => factory.DnsRouter().GetRecordAsync("Z1", "a.example.test"));
            var metrics = Assert.ThrowsAsync<AwsServiceException>(() => factory.MetricsReader().DescribeAlarmsAsync("x"));
            Server.S3.CreateBucket("b");
            var s3 = Assert.ThrowsAsync<AwsServiceException>(() => factory.ArtifactStore("b").ListAsync("x"));
            Assert.That(lambda!.ErrorCode, Is.EqualTo("InvalidSignatureException"));
            Assert.That(dns!.ErrorCode, Is.EqualTo("SignatureDoesNotMatch"));
            Assert.That(metrics!.ErrorCode, Is.EqualTo("SignatureDoesNotMatch"));
            Assert.That(s3!.ErrorCode, Is.EqualTo("SignatureDoesNotMatch"));
            Assert.That(Server.Requests.All(r => !r.SignatureValid && r.StatusCode == 403), Is.True, "bad signatures are not retried into success");
            Assert.That(Log.Text, Does.Not.Contain("definitely-not-the-secret-key"));
        }
        finally
        {
            AwsTestEnvironment.UseEnvironmentCredentials();
        }
    }

    [Test]
    public void Settings_read_endpoint_overrides_from_the_environment_passed_in()
    {
        var settings = AwsSettings.FromEnvironment(new Dictionary<string, string?>
        {
            ["AWS_REGION"] = "eu-central-1",
            ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:4566",
            ["AWS_ENDPOINT_URL_ROUTE_53"] = "http://127.0.0.1:5000",
            ["AWS_ENDPOINT_URL_LAMBDA"] = "",
        });
        Assert.That(settings.Region, Is.EqualTo("eu-central-1"));
        Assert.That(settings.EndpointFor(AwsService.Route53), Is.EqualTo(new Uri("http://127.0.0.1:5000")));
        Assert.That(settings.EndpointFor(AwsService.Lambda), Is.EqualTo(new Uri("http://127.0.0.1:4566")));
        Assert.That(AwsSettings.FromEnvironment(new Dictionary<string, string?> { ["AWS_DEFAULT_REGION"] = "us-west-2" }).Region, Is.EqualTo("us-west-2"));
        Assert.Throws<ArgumentException>(() => AwsSettings.FromEnvironment(new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_S3"] = "not a url" }));
    }

    [Test]
    public void Attempts_per_request_come_from_AWS_MAX_ATTEMPTS_and_a_bad_value_is_refused_by_name()
    {
        Assert.That(AwsSettings.FromEnvironment(new Dictionary<string, string?>()).MaxAttempts, Is.EqualTo(5));
        Assert.That(AwsSettings.FromEnvironment(new Dictionary<string, string?> { ["AWS_MAX_ATTEMPTS"] = "2" }).MaxAttempts, Is.EqualTo(2));
        var bad = Assert.Throws<ArgumentException>(() => AwsSettings.FromEnvironment(new Dictionary<string, string?> { ["AWS_MAX_ATTEMPTS"] = "0" }));
        Assert.That(bad!.Message, Does.Contain("AWS_MAX_ATTEMPTS must be a whole number from 1 to 20, got '0'"));
    }

    [Test]
    public async Task A_service_specific_endpoint_wins_over_the_general_one()
    {
        await using var other = await FakeAwsServer.StartAsync();
        other.Lambda.PutFunction(new FakeFunction("fn"));
        Server.Lambda.PutFunction(new FakeFunction("fn"));
        var settings = AwsTestEnvironment.SettingsFor(Server) with
        {
            ServiceEndpoints = new Dictionary<AwsService, Uri> { [AwsService.Lambda] = other.Endpoint },
        };
        using var factory = new AwsClientFactory(settings, new RecordingLog());
        await factory.FunctionRegistry().GetConfigurationAsync("fn");
        await factory.MetricsReader().DescribeAlarmsAsync("x");
        Assert.That(other.Requests.Select(r => r.Operation), Is.EqualTo(new[] { "GetFunctionConfiguration" }));
        Assert.That(Server.Requests.Select(r => r.Operation), Is.EqualTo(new[] { "DescribeAlarms" }));
    }

    [Test]
    public void An_unreachable_endpoint_is_a_NetworkError_naming_the_host()
    {
        var settings = AwsTestEnvironment.SettingsFor(Server, maxAttempts: 2) with { EndpointUrl = new Uri("http://127.0.0.1:9/") };
        using var factory = new AwsClientFactory(settings, new RecordingLog());
        var error = Assert.ThrowsAsync<AwsServiceException>(() => factory.MetricsReader().DescribeAlarmsAsync("x"));
        Assert.That(error!.ErrorCode, Is.EqualTo("NetworkError"));
        Assert.That(error.Message, Does.Contain("127.0.0.1:9"));
    }
}
