using System.Text.Json;
using NUnit.Framework;
using Storytailor.Core;
using Storytailor.FakeAws;

namespace Storytailor.Aws.Tests;

/// <summary>
/// The CloudWatch and Logs Insights clients against moto 5.2.1, an AWS implementation this project did not write, seeded
/// with Debian's AWS CLI. moto's Logs Insights runs StartQuery/GetQueryResults with fields, sort and limit only (filter,
/// stats and parse are ignored and Lambda's discovered fields such as @initDuration are absent), which is why the build
/// asks for raw @message lines and parses "Init Duration" itself. moto answers GetMetricData with no data for a metric
/// that was never published (a wrong dimension, a wrong name): the "no metrics at all" case.
/// </summary>
[TestFixture]
[NonParallelizable]
[Category("EndToEnd")]
public sealed class MotoContractTests
{
    private const string Cli = "/usr/bin/aws";
    private const string Group = "/aws/lambda/storytailor-production-green-router";
    private MotoServer _moto = null!;
    private AwsClientFactory _factory = null!;
    private string _work = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        if (!File.Exists(Cli))
        {
            Assert.Fail($"{Cli} is missing: install awscli (apt): apt-get update && apt-get install -y awscli");
        }

        _moto = await MotoServer.StartAsync();
        _work = Directory.CreateTempSubdirectory("storytailor-moto-").FullName;
        _factory = new AwsClientFactory(new AwsSettings { Region = "eu-west-1", EndpointUrl = _moto.Endpoint, MaxAttempts = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(5) }, new RecordingLog());
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _factory?.Dispose();
        if (_moto is not null)
        {
            await _moto.DisposeAsync();
        }

        if (_work is not null)
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    [Test]
    public async Task Logs_insights_queries_return_the_report_lines_the_cli_wrote()
    {
        var now = DateTimeOffset.UtcNow;
        await Run("logs", "create-log-group", "--log-group-name", Group);
        await Run("logs", "create-log-stream", "--log-group-name", Group, "--log-stream-name", "2025/06/02/[$LATEST]abc");
        var events = JsonSerializer.Serialize(new[]
        {
            new { timestamp = now.AddSeconds(-50).ToUnixTimeMilliseconds(), message = "START RequestId: 1 Version: $LATEST" },
            new { timestamp = now.AddSeconds(-49).ToUnixTimeMilliseconds(), message = "REPORT RequestId: 1\tDuration: 20.10 ms\tBilled Duration: 21 ms\tMemory Size: 512 MB\tMax Memory Used: 80 MB\tInit Duration: 212.44 ms" },
            new { timestamp = now.AddSeconds(-20).ToUnixTimeMilliseconds(), message = "REPORT RequestId: 2\tDuration: 3.00 ms\tBilled Duration: 3 ms\tMemory Size: 512 MB\tMax Memory Used: 80 MB" },
        });
        await Run("logs", "put-log-events", "--log-group-name", Group, "--log-stream-name", "2025/06/02/[$LATEST]abc", "--log-events", events);

        var rows = await _factory.LogsInsights().QueryAsync([Group], "fields @timestamp, @message, @log | filter @message like /^REPORT / | sort @timestamp asc | limit 10000", now.AddMinutes(-2), now.AddMinutes(1), TimeSpan.FromSeconds(10));

        var messages = rows.Select(r => r["@message"]).ToList();
        Assert.That(messages, Has.Some.Contains("Init Duration: 212.44 ms"));
        Assert.That(rows.Select(r => r["@log"]), Has.All.EndsWith(Group));
        Assert.That(rows.Select(r => r["@timestamp"]), Has.All.Not.Null);

        var cli = await Json("logs", "start-query", "--log-group-names", Group, "--start-time", now.AddMinutes(-2).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), "--end-time", now.AddMinutes(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), "--query-string", "fields @message");
        var results = await Json("logs", "get-query-results", "--query-id", cli.GetProperty("queryId").GetString()!);
        Assert.That(results.GetProperty("results").GetArrayLength(), Is.EqualTo(rows.Count), "the CLI and the build see the same lines");
    }

    [Test]
    public void A_log_group_that_does_not_exist_is_an_error_not_an_empty_answer()
    {
        var error = Assert.ThrowsAsync<AwsServiceException>(() => _factory.LogsInsights().QueryAsync(["/aws/lambda/never-ran"], "fields @message", DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow, TimeSpan.FromSeconds(5)));
        Assert.That(error!.Service, Is.EqualTo("logs"));
        Assert.That(error.ErrorCode, Is.EqualTo("ResourceNotFoundException"));
    }

    [Test]
    public async Task Http_api_metrics_are_found_by_ApiId_and_a_wrong_dimension_answers_no_data()
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(-3);
        var minute = new DateTimeOffset(at.Year, at.Month, at.Day, at.Hour, at.Minute, 0, TimeSpan.Zero);
        var data = JsonSerializer.Serialize(new[]
        {
            new { MetricName = "Count", Dimensions = new[] { new { Name = "ApiId", Value = "a1b2c3moto" }, new { Name = "Stage", Value = "v1" } }, Timestamp = minute.AddSeconds(10).ToString("o"), Value = 42.0, Unit = "Count" },
            new { MetricName = "5xx", Dimensions = new[] { new { Name = "ApiId", Value = "a1b2c3moto" }, new { Name = "Stage", Value = "v1" } }, Timestamp = minute.AddSeconds(10).ToString("o"), Value = 1.0, Unit = "Count" },
        });
        await Run("cloudwatch", "put-metric-data", "--namespace", "AWS/ApiGateway", "--metric-data", data);
        var api = new ApiIdentity(ApiGatewayType.Http, "a1b2c3moto", "v1");
        var wrong = new ApiIdentity(ApiGatewayType.Rest, "a1b2c3moto", "v1");

        var found = await _factory.MetricsReader().GetMetricDataAsync([MetricQueries.Requests(api), MetricQueries.ServerErrors(api)], minute.AddMinutes(-1), minute.AddMinutes(2));
        var missing = await _factory.MetricsReader().GetMetricDataAsync([MetricQueries.Requests(wrong), MetricQueries.ServerErrors(wrong)], minute.AddMinutes(-1), minute.AddMinutes(2));

        Assert.That(found.Single(s => s.Id == "requests").Sum, Is.EqualTo(42));
        Assert.That(found.Single(s => s.Id == "errors5xx").Sum, Is.EqualTo(1));
        Assert.That(missing.Select(s => s.Points.Count), Is.All.Zero, "REST dimensions (ApiName) over an HTTP API's metrics: no data");
    }

    private async Task<JsonElement> Json(params string[] arguments)
    {
        var result = await Run(arguments);
        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(result.StandardOutput) ? "{}" : result.StandardOutput);
        return document.RootElement.Clone();
    }

    private async Task<CommandResult> Run(params string[] arguments)
    {
        var runner = new CommandRunner(new RecordingLog(), new SecretRedactor());
        var result = await runner.RunAsync(new CommandSpec(Cli, ["--endpoint-url", _moto.Endpoint.ToString().TrimEnd('/'), "--output", "json", .. arguments], _work)
        {
            Environment = new Dictionary<string, string?>
            {
                ["AWS_ACCESS_KEY_ID"] = AwsTestEnvironment.TestCredentials.AccessKeyId,
                ["AWS_SECRET_ACCESS_KEY"] = AwsTestEnvironment.TestCredentials.SecretAccessKey,
                ["AWS_DEFAULT_REGION"] = "eu-west-1",
                ["AWS_CONFIG_FILE"] = Path.Combine(_work, "no-config"),
                ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(_work, "no-credentials"),
                ["AWS_PAGER"] = string.Empty,
                ["AWS_EC2_METADATA_DISABLED"] = "true",
            },
            StreamOutput = false,
            Timeout = TimeSpan.FromSeconds(60),
        });
        Assert.That(result.ExitCode, Is.Zero, $"aws {string.Join(' ', arguments)} failed:\n{result.Tail(40)}\nmoto:\n{_moto.Output[^Math.Min(2000, _moto.Output.Length)..]}");
        return result;
    }
}
