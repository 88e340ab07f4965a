using System.Text.Json;
using NUnit.Framework;
using Storytailor.Core;
using Storytailor.FakeAws;

namespace Storytailor.Aws.Tests;

/// <summary>
/// Drives the fake with Debian's AWS CLI v2, an independent client: the CLI's signatures must verify
/// and the CLI must parse the fake's answers. The build's own clients then read what the CLI wrote
/// and the other way round. Conditional deletes are not covered here: this CLI (2.9) has no
/// <c>s3api delete-object --if-match</c>; ArtifactStoreTests cover them through the SDK client.
/// </summary>
[TestFixture]
[NonParallelizable]
[Category("EndToEnd")]
public sealed class AwsCliContractTests
{
    private const string Cli = "/usr/bin/aws";
    private FakeAwsServer _server = null!;
    private AwsClientFactory _factory = null!;
    private string _work = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        if (!File.Exists(Cli))
        {
            Assert.Fail($"{Cli} is missing: install awscli (apt): apt-get update && apt-get install -y awscli");
        }

        _server = await FakeAwsServer.StartAsync();
        _factory = new AwsClientFactory(AwsTestEnvironment.SettingsFor(_server), new RecordingLog());
        _work = Directory.CreateTempSubdirectory("storytailor-cli-").FullName;
        _server.S3.CreateBucket("artifacts");
        _server.Route53.CreateHostedZone("ZFAKE123", "storytailor.test");
        _server.Lambda.PutFunction(new FakeFunction("storytailor-api-blue") { CodeSha256 = "c2hhMjU2LW9mLWJsdWU=" });
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _factory?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_work is not null)
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    [TearDown]
    public void EveryCliRequestWasSignedCorrectly() =>
        Assert.That(_server.Requests.Where(r => !r.SignatureValid && r.StatusCode != 403), Is.Empty);

    [Test]
    public async Task S3_objects_round_trip_between_the_cli_and_the_build()
    {
        var file = Path.Combine(_work, "bundle.zip");
        await File.WriteAllTextAsync(file, "zip-bytes");
        var put = await Json("s3api", "put-object", "--bucket", "artifacts", "--key", "builds/abc/bundle.zip", "--body", file, "--metadata", "sha256=deadbeef");
        Assert.That(put.GetProperty("ETag").GetString(), Does.StartWith("\""));

        var head = await Json("s3api", "head-object", "--bucket", "artifacts", "--key", "builds/abc/bundle.zip");
        Assert.That(head.GetProperty("ContentLength").GetInt64(), Is.EqualTo(9));
        Assert.That(head.GetProperty("Metadata").GetProperty("sha256").GetString(), Is.EqualTo("deadbeef"));

        var fromBuild = await _factory.ArtifactStore("artifacts").GetAsync("builds/abc/bundle.zip");
        Assert.That(fromBuild!.Info.Sha256, Is.EqualTo("deadbeef"));
        Assert.That(System.Text.Encoding.UTF8.GetString(fromBuild.Content), Is.EqualTo("zip-bytes"));

        await _factory.ArtifactStore("artifacts").CreateAsync("builds/abc/ledger.json", "{\"n\":1}"u8.ToArray());
        var outFile = Path.Combine(_work, "ledger.json");
        await Json("s3api", "get-object", "--bucket", "artifacts", "--key", "builds/abc/ledger.json", outFile);
        Assert.That(await File.ReadAllTextAsync(outFile), Is.EqualTo("{\"n\":1}"));

        for (var i = 0; i < 3; i++)
        {
            await _factory.ArtifactStore("artifacts").CreateAsync($"pages/{i}.txt", [(byte)i]);
        }

        var listed = await Json("s3api", "list-objects-v2", "--bucket", "artifacts", "--prefix", "pages/", "--page-size", "2");
        Assert.That(listed.GetProperty("Contents").EnumerateArray().Select(o => o.GetProperty("Key").GetString()), Is.EqualTo(new[] { "pages/0.txt", "pages/1.txt", "pages/2.txt" }));
        Assert.That(_server.Requests.Count(r => r.Operation == "ListObjectsV2"), Is.GreaterThanOrEqualTo(2), "the CLI followed the continuation token");

        await Run("s3api", "delete-object", "--bucket", "artifacts", "--key", "pages/0.txt");
        Assert.That(await _factory.ArtifactStore("artifacts").HeadAsync("pages/0.txt"), Is.Null);

        var noKey = await Fail("s3api", "get-object", "--bucket", "artifacts", "--key", "nope", Path.Combine(_work, "x"));
        Assert.That(noKey, Does.Contain("NoSuchKey"));
    }

    [Test]
    public async Task Route53_changes_round_trip_between_the_cli_and_the_build()
    {
        var batch = """{"Comment":"cli","Changes":[{"Action":"UPSERT","ResourceRecordSet":{"Name":"api.storytailor.test","Type":"CNAME","SetIdentifier":"blue","Weight":100,"TTL":60,"ResourceRecords":[{"Value":"blue.storytailor.test"}]}}]}""";
        var change = await Json("route53", "change-resource-record-sets", "--hosted-zone-id", "ZFAKE123", "--change-batch", batch);
        var changeId = change.GetProperty("ChangeInfo").GetProperty("Id").GetString()!;
        Assert.That(change.GetProperty("ChangeInfo").GetProperty("Status").GetString(), Is.EqualTo("PENDING"));

        var status = await Json("route53", "get-change", "--id", changeId);
        Assert.That(status.GetProperty("ChangeInfo").GetProperty("Status").GetString(), Is.EqualTo("INSYNC"));

        var fromBuild = await _factory.DnsRouter().GetRecordAsync("ZFAKE123", "api.storytailor.test.", "CNAME", "blue");
        Assert.That(fromBuild!.Value, Is.EqualTo("blue.storytailor.test"));
        Assert.That(fromBuild.Weight, Is.EqualTo(100));

        var buildChange = await _factory.DnsRouter().UpsertRecordAsync("ZFAKE123", DnsRecord.WeightedCname("api.storytailor.test", "green.storytailor.test", "green", 0));
        var listed = await Json("route53", "list-resource-record-sets", "--hosted-zone-id", "ZFAKE123", "--start-record-name", "api.storytailor.test", "--start-record-type", "CNAME", "--max-items", "5");
        var sets = listed.GetProperty("ResourceRecordSets").EnumerateArray().ToList();
        Assert.That(sets.Select(s => s.GetProperty("SetIdentifier").GetString()), Is.EquivalentTo(new[] { "blue", "green" }));
        var cliStatus = await Json("route53", "get-change", "--id", buildChange);
        Assert.That(cliStatus.GetProperty("ChangeInfo").GetProperty("Status").GetString(), Is.EqualTo("INSYNC"));

        var invalid = batch.Replace("UPSERT", "CREATE", StringComparison.Ordinal);
        var errors = await Task.WhenAll(
            Fail("route53", "get-change", "--id", "CNOSUCH"),
            Fail("route53", "change-resource-record-sets", "--hosted-zone-id", "ZMISSING", "--change-batch", batch),
            Fail("route53", "change-resource-record-sets", "--hosted-zone-id", "ZFAKE123", "--change-batch", invalid));
        Assert.That(errors[0], Does.Contain("NoSuchChange"));
        Assert.That(errors[1], Does.Contain("NoSuchHostedZone"));
        Assert.That(errors[2], Does.Contain("(InvalidChangeBatch)").And.Contain("already exists"));
    }

    [Test]
    public async Task Lambda_configuration_and_invoke_parse_in_the_cli()
    {
        var config = await Json("lambda", "get-function-configuration", "--function-name", "storytailor-api-blue");
        Assert.That(config.GetProperty("CodeSha256").GetString(), Is.EqualTo("c2hhMjU2LW9mLWJsdWU="));
        Assert.That(config.GetProperty("State").GetString(), Is.EqualTo("Active"));
        var fromBuild = await _factory.FunctionRegistry().GetConfigurationAsync("storytailor-api-blue");
        Assert.That(fromBuild.CodeSha256, Is.EqualTo(config.GetProperty("CodeSha256").GetString()));
        Assert.That(fromBuild.LastModified, Is.Not.Null);

        var outFile = Path.Combine(_work, "invoke.json");
        var invoke = await Json("lambda", "invoke", "--function-name", "storytailor-api-blue", "--cli-binary-format", "raw-in-base64-out", "--payload", "{\"warm\":true}", outFile);
        Assert.That(invoke.GetProperty("StatusCode").GetInt32(), Is.EqualTo(200));
        Assert.That(await File.ReadAllTextAsync(outFile), Does.Contain("statusCode"));

        Assert.That(await Fail("lambda", "get-function-configuration", "--function-name", "missing-fn"), Does.Contain("ResourceNotFoundException"));
    }

    [Test]
    public async Task CloudWatch_metric_data_and_alarms_parse_in_the_cli()
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(-10);
        var dims = new Dictionary<string, string> { ["ApiName"] = "storytailor", ["Stage"] = "prod" };
        _server.CloudWatch.PutSeries("AWS/ApiGateway", "Latency", dims, "p95", [(start.AddMinutes(1), 120.5), (start.AddMinutes(2), 340)]);
        _server.CloudWatch.PutAlarm(new FakeAlarm("storytailor-prod-5xx", "OK", "fine", start));

        var queries = """[{"Id":"latencyp95","MetricStat":{"Metric":{"Namespace":"AWS/ApiGateway","MetricName":"Latency","Dimensions":[{"Name":"ApiName","Value":"storytailor"},{"Name":"Stage","Value":"prod"}]},"Period":60,"Stat":"p95"}}]""";
        var data = await Json("cloudwatch", "get-metric-data", "--metric-data-queries", queries, "--start-time", start.ToString("o"), "--end-time", DateTimeOffset.UtcNow.ToString("o"), "--scan-by", "TimestampAscending");
        var series = data.GetProperty("MetricDataResults")[0];
        Assert.That(series.GetProperty("Values").EnumerateArray().Select(v => v.GetDouble()), Is.EqualTo(new[] { 120.5, 340 }));

        var fromBuild = await _factory.MetricsReader().GetMetricDataAsync([MetricQueries.ApiLatencyP95("storytailor", "prod")], start, DateTimeOffset.UtcNow);
        Assert.That(fromBuild[0].Points.Select(p => p.Value), Is.EqualTo(new[] { 120.5, 340 }));

        var alarms = await Json("cloudwatch", "describe-alarms", "--alarm-name-prefix", "storytailor-prod");
        Assert.That(alarms.GetProperty("MetricAlarms")[0].GetProperty("StateValue").GetString(), Is.EqualTo("OK"));
    }

    [Test]
    public async Task Bad_signatures_are_answered_in_each_services_error_format()
    {
        var wrong = new Dictionary<string, string?> { ["AWS_SECRET_ACCESS_KEY"] = "not-the-secret-key-at-all" };
        var errors = await Task.WhenAll(
            Fail(wrong, "s3api", "list-objects-v2", "--bucket", "artifacts"),
            Fail(wrong, "route53", "get-change", "--id", "C1"),
            Fail(wrong, "lambda", "get-function-configuration", "--function-name", "storytailor-api-blue"),
            Fail(wrong, "cloudwatch", "describe-alarms"));
        Assert.That(errors[0], Does.Contain("(SignatureDoesNotMatch)"));
        Assert.That(errors[1], Does.Contain("(SignatureDoesNotMatch)"));
        Assert.That(errors[2], Does.Contain("(InvalidSignatureException)"));
        Assert.That(errors[3], Does.Contain("(SignatureDoesNotMatch)"));
    }

    [Test]
    public async Task Throttling_is_answered_in_each_services_error_format()
    {
        var once = new Dictionary<string, string?> { ["AWS_MAX_ATTEMPTS"] = "1" };
        _server.Faults.Throttle("GetChange", 1);
        _server.Faults.Throttle("GetFunctionConfiguration", 1);
        _server.Faults.Throttle("DescribeAlarms", 1);
        _server.Faults.Throttle("ListObjectsV2", 1);
        var errors = await Task.WhenAll(
            Fail(once, "route53", "get-change", "--id", "C1"),
            Fail(once, "lambda", "get-function-configuration", "--function-name", "storytailor-api-blue"),
            Fail(once, "cloudwatch", "describe-alarms"),
            Fail(once, "s3api", "list-objects-v2", "--bucket", "artifacts"));
        Assert.That(errors[0], Does.Contain("(Throttling)"));
        Assert.That(errors[1], Does.Contain("(TooManyRequestsException)"));
        Assert.That(errors[2], Does.Contain("(Throttling)"));
        Assert.That(errors[3], Does.Contain("(SlowDown)"));
    }

    private Task<JsonElement> Json(params string[] arguments) => JsonWith(new Dictionary<string, string?>(), arguments);

    private async Task<JsonElement> JsonWith(Dictionary<string, string?> environment, string[] arguments)
    {
        var result = await Run(environment, arguments);
        Assert.That(result.ExitCode, Is.Zero, $"aws {string.Join(' ', arguments)} failed:\n{result.Tail(40)}");
        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(result.StandardOutput) ? "{}" : result.StandardOutput);
        return document.RootElement.Clone();
    }

    private Task<CommandResult> Run(params string[] arguments) => Run(new Dictionary<string, string?>(), arguments);

    private Task<string> Fail(params string[] arguments) => Fail(new Dictionary<string, string?>(), arguments);

    private async Task<string> Fail(Dictionary<string, string?> environment, params string[] arguments)
    {
        var result = await Run(environment, arguments);
        Assert.That(result.ExitCode, Is.Not.Zero, $"aws {string.Join(' ', arguments)} was expected to fail:\n{result.Tail()}");
        Assert.That(result.StandardError, Does.Not.Contain("Unable to parse").And.Not.Contain("Traceback"), "the CLI could not parse the fake's error answer");
        return result.StandardError;
    }

    private async Task<CommandResult> Run(Dictionary<string, string?> environment, string[] arguments)
    {
        var env = new Dictionary<string, string?>
        {
            ["AWS_ACCESS_KEY_ID"] = AwsTestEnvironment.TestCredentials.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = AwsTestEnvironment.TestCredentials.SecretAccessKey,
            ["AWS_DEFAULT_REGION"] = _server.Region,
            ["AWS_CONFIG_FILE"] = Path.Combine(_work, "no-config"),
            ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(_work, "no-credentials"),
            ["AWS_PAGER"] = string.Empty,
            ["AWS_EC2_METADATA_DISABLED"] = "true",
        };
        foreach (var (name, value) in environment)
        {
            env[name] = value;
        }

        var runner = new CommandRunner(new RecordingLog(), new SecretRedactor());
        return await runner.RunAsync(new CommandSpec(Cli, ["--endpoint-url", _server.Endpoint.ToString().TrimEnd('/'), "--output", "json", .. arguments], _work)
        {
            Environment = env,
            StreamOutput = false,
            Timeout = TimeSpan.FromSeconds(60),
        });
    }
}
