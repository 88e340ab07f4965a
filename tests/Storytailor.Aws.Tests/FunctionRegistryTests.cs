using NUnit.Framework;
using Storytailor.FakeAws;

namespace Storytailor.Aws.Tests;

public sealed class FunctionRegistryTests : FakeAwsTest
{
    private IFunctionRegistry Functions => Factory.FunctionRegistry();

    [SetUp]
    public void Function() => Server.Lambda.PutFunction(new FakeFunction("storytailor-api-green") { CodeSha256 = "Z3JlZW4tY29kZQ==", Version = "7" });

    [Test]
    public async Task Reads_the_configuration()
    {
        var config = await Functions.GetConfigurationAsync("storytailor-api-green");
        Assert.That(config.State, Is.EqualTo("Active"));
        Assert.That(config.LastUpdateStatus, Is.EqualTo("Successful"));
        Assert.That(config.CodeSha256, Is.EqualTo("Z3JlZW4tY29kZQ=="));
        Assert.That(config.Version, Is.EqualTo("7"));
        Assert.That(config.LastModified, Is.Not.Null);
        Assert.That(config.FunctionArn, Does.EndWith(":function:storytailor-api-green"));
    }

    [Test]
    public void An_unknown_function_is_ResourceNotFoundException()
    {
        var error = Assert.ThrowsAsync<AwsServiceException>(() => Functions.GetConfigurationAsync("nope"));
        Assert.That(error!.ErrorCode, Is.EqualTo("ResourceNotFoundException"));
        Assert.That(error.Message, Does.Contain("Function not found").And.Contain("request id fake-"));
    }

    [Test]
    public async Task Waits_for_an_update_to_finish()
    {
        Server.Lambda.BeginUpdate("storytailor-api-green", "bmV3LWNvZGU=", pendingPolls: 2);
        var config = await Functions.WaitForUpdateAsync("storytailor-api-green", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10));
        Assert.That(config.CodeSha256, Is.EqualTo("bmV3LWNvZGU="));
        Assert.That(config.IsReady, Is.True);
        Assert.That(Server.Requests.Count(r => r.Operation == "GetFunctionConfiguration"), Is.EqualTo(3));
    }

    [Test]
    public void A_failed_update_names_the_reason()
    {
        Server.Lambda.BeginUpdate("storytailor-api-green", "YmFk", pendingPolls: 0, failureReason: "Handler index.handler not found");
        var error = Assert.ThrowsAsync<FunctionUpdateFailedException>(() => Functions.WaitForUpdateAsync("storytailor-api-green", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(10)));
        Assert.That(error!.Message, Does.Contain("Handler index.handler not found"));
    }

    [Test]
    public void An_update_that_never_finishes_times_out()
    {
        Server.Lambda.BeginUpdate("storytailor-api-green", "c2xvdw==", pendingPolls: int.MaxValue);
        var error = Assert.ThrowsAsync<AwsWaitTimeoutException>(() => Functions.WaitForUpdateAsync("storytailor-api-green", TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(20)));
        Assert.That(error!.LastState, Does.Contain("InProgress"));
    }

    [Test]
    public async Task Invoke_returns_status_payload_and_function_error()
    {
        Server.Lambda.PutFunction(new FakeFunction("echo") { Handler = payload => (payload, null) });
        Server.Lambda.PutFunction(new FakeFunction("broken") { Handler = _ => ("{\"errorMessage\":\"boom\"}", "Unhandled") });
        var ok = await Functions.InvokeAsync("echo", "{\"warm\":true}");
        var failed = await Functions.InvokeAsync("broken", "{}");
        Assert.That(ok.StatusCode, Is.EqualTo(200));
        Assert.That(ok.Payload, Is.EqualTo("{\"warm\":true}"));
        Assert.That(ok.Succeeded, Is.True);
        Assert.That(failed.FunctionError, Is.EqualTo("Unhandled"));
        Assert.That(failed.Succeeded, Is.False);
        Assert.That(failed.Payload, Does.Contain("boom"));
    }

    [Test]
    public async Task Throttling_429_then_success()
    {
        Server.Faults.Throttle("Invoke", 2);
        var result = await Functions.InvokeAsync("storytailor-api-green", "{}");
        Assert.That(result.StatusCode, Is.EqualTo(200));
        Assert.That(Server.Requests.Count(r => r.Operation == "Invoke"), Is.EqualTo(3));
    }

    [Test]
    public void Retries_exhausted_on_throttling()
    {
        Server.Faults.Throttle("GetFunctionConfiguration", 10);
        var error = Assert.ThrowsAsync<AwsServiceException>(() => Functions.GetConfigurationAsync("storytailor-api-green"));
        Assert.That(error!.ErrorCode, Is.EqualTo("TooManyRequestsException"));
        Assert.That(error.StatusCode, Is.EqualTo((System.Net.HttpStatusCode)429));
    }

    [Test]
    public void Added_latency_beyond_the_request_timeout_is_a_timeout_error()
    {
        using var factory = new AwsClientFactory(AwsTestEnvironment.SettingsFor(Server, maxAttempts: 2) with { RequestTimeout = TimeSpan.FromMilliseconds(200) }, Log);
        Server.Faults.Latency("GetFunctionConfiguration", TimeSpan.FromSeconds(2));
        var error = Assert.ThrowsAsync<AwsServiceException>(() => factory.FunctionRegistry().GetConfigurationAsync("storytailor-api-green"));
        Assert.That(error!.ErrorCode, Is.EqualTo("RequestTimeout"));
    }
}
