using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using Storytailor.Core;
using Storytailor.Deploy;

namespace Storytailor.Deploy.Tests;

/// <summary>A local stand-in of a Slack incoming webhook: records payloads, can answer errors or hang.</summary>
public sealed class SlackStandIn : IAsyncDisposable
{
    public const string SecretPath = "/services/T000FAKE/B000FAKE/xoxSecretWebhookToken42";

    private readonly ConcurrentQueue<int> _answers = new();
    private WebApplication? _app;

    public ConcurrentQueue<JsonNode> Payloads { get; } = new();

    public int Requests => _requests;

    public TimeSpan Hang { get; set; }

    public Uri WebhookUrl { get; private set; } = null!;

    private int _requests;

    public static async Task<SlackStandIn> StartAsync()
    {
        var standIn = new SlackStandIn();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        standIn._app = builder.Build();
        standIn._app.MapPost(SecretPath, standIn.HandleAsync);
        await standIn._app.StartAsync();
        var address = standIn._app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        standIn.WebhookUrl = new Uri(address + SecretPath);
        return standIn;
    }

    /// <summary>The next requests get these status codes (then 200 "ok").</summary>
    public void AnswerNext(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _answers.Enqueue(status);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        if (Hang > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(Hang, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        var status = _answers.TryDequeue(out var next) ? next : 200;
        if (status == 200)
        {
            Payloads.Enqueue(JsonNode.Parse(await new StreamReader(context.Request.Body).ReadToEndAsync())!);
        }

        context.Response.StatusCode = status;
        await context.Response.WriteAsync(status == 200 ? "ok" : status == 404 ? "no_service" : "internal_error");
    }
}

public sealed class SlackNotifierTests
{
    private readonly RecordingLog _log = new();
    private SlackStandIn _slack = null!;
    private HttpClient _http = null!;

    [SetUp]
    public async Task Start()
    {
        _slack = await SlackStandIn.StartAsync();
        _http = new HttpClient();
    }

    [TearDown]
    public async Task Stop()
    {
        _http.Dispose();
        await _slack.DisposeAsync();
    }

    private SlackNotifier Notifier(Uri? url = null, TimeSpan? attemptTimeout = null) =>
        new(_http, new SlackSettings(url ?? _slack.WebhookUrl) { RetryDelay = TimeSpan.FromMilliseconds(5), AttemptTimeout = attemptTimeout ?? TimeSpan.FromSeconds(5) }, _log);

    private static DeploymentNotice Rollback() => new(DeploymentEvent.RolledBack, "production", "v1.2.3")
    {
        ColourBefore = DeploymentColour.Blue,
        ColourAfter = DeploymentColour.Green,
        Duration = TimeSpan.FromMinutes(12.4),
        Reason = "p95 912 ms > 800 ms",
        RunUrl = "https://github.com/storytailor/platform/actions/runs/987654",
        DeploymentId = "20250602T100000Z-v1.2.3-abcdef",
        Actor = "octocat",
    };

    [Test]
    public async Task A_rollback_notice_is_posted_as_block_kit_with_every_fact()
    {
        var result = await Notifier().NotifyAsync(Rollback());

        Assert.That(result.Outcome, Is.EqualTo(NotificationOutcome.Sent));
        var payload = _slack.Payloads.Single();
        var text = payload.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        Assert.Multiple(() =>
        {
            Assert.That(payload["text"]!.GetValue<string>(), Does.Contain("ROLLED BACK").And.Contain("p95 912 ms > 800 ms"));
            Assert.That(payload["blocks"]![0]!["type"]!.GetValue<string>(), Is.EqualTo("header"));
            Assert.That(payload["blocks"]!.AsArray().Select(b => b!["type"]!.GetValue<string>()), Is.EqualTo(new[] { "header", "section", "section", "context" }));
            Assert.That(text, Does.Contain("v1.2.3").And.Contain("production").And.Contain("blue → green").And.Contain("12m24s"));
            Assert.That(text, Does.Contain("<https://github.com/storytailor/platform/actions/runs/987654|View the run>"));
            Assert.That(text, Does.Contain("octocat"));
        });
    }

    [TestCase(DeploymentEvent.Started, "started")]
    [TestCase(DeploymentEvent.Succeeded, "succeeded")]
    [TestCase(DeploymentEvent.Failed, "FAILED")]
    public void Each_event_has_its_own_header(DeploymentEvent kind, string word)
    {
        var message = SlackNotifier.BuildMessage(new DeploymentNotice(kind, "staging", "abc123"));

        Assert.That(message["blocks"]![0]!["text"]!["text"]!.GetValue<string>(), Does.Contain(word).And.Contain("abc123").And.Contain("staging"));
    }

    [Test]
    public async Task Server_errors_are_retried_then_delivered()
    {
        _slack.AnswerNext(500, 503);

        var result = await Notifier().NotifyAsync(Rollback());

        Assert.That(result.Outcome, Is.EqualTo(NotificationOutcome.Sent));
        Assert.That(result.Attempts, Is.EqualTo(3));
        Assert.That(_slack.Payloads, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Slack_down_after_three_attempts_is_a_warning_not_an_exception()
    {
        _slack.AnswerNext(500, 500, 500, 500);

        var result = await Notifier().NotifyAsync(Rollback());

        Assert.That(result.Outcome, Is.EqualTo(NotificationOutcome.Failed));
        Assert.That(_slack.Requests, Is.EqualTo(3));
        Assert.That(_log.Lines, Has.Some.StartsWith("warning: Slack:").And.Some.Contains("HTTP 500"));
        AssertNoWebhookInLog();
    }

    [Test]
    public async Task A_client_error_is_not_retried()
    {
        _slack.AnswerNext(404);

        var result = await Notifier().NotifyAsync(Rollback());

        Assert.That(result.Outcome, Is.EqualTo(NotificationOutcome.Failed));
        Assert.That(_slack.Requests, Is.EqualTo(1));
        Assert.That(result.Message, Does.Contain("HTTP 404").And.Contain("no_service"));
    }

    [Test]
    public async Task A_hanging_webhook_times_out_per_attempt_and_never_blocks()
    {
        _slack.Hang = TimeSpan.FromSeconds(30);

        var result = await Notifier(attemptTimeout: TimeSpan.FromMilliseconds(100)).NotifyAsync(Rollback());

        Assert.That(result.Outcome, Is.EqualTo(NotificationOutcome.Failed));
        Assert.That(result.Attempts, Is.EqualTo(3));
        Assert.That(result.Message, Does.Contain("no answer in time"));
        AssertNoWebhookInLog();
    }

    [Test]
    public async Task A_refused_connection_is_a_warning()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var closed = new Uri($"http://127.0.0.1:{port}{SlackStandIn.SecretPath}");

        var result = await Notifier(closed).NotifyAsync(Rollback());

        Assert.That(result.Outcome, Is.EqualTo(NotificationOutcome.Failed));
        Assert.That(result.Attempts, Is.EqualTo(3));
        Assert.That(result.Message, Does.Contain("connection failed"));
        Assert.That(_log.Text, Does.Not.Contain("xoxSecretWebhookToken42"));
    }

    [Test]
    public async Task Without_a_webhook_notifications_are_skipped_with_one_line()
    {
        var notifier = new SlackNotifier(_http, new SlackSettings(null), _log);

        var result = await notifier.NotifyAsync(Rollback());

        Assert.That(result.Outcome, Is.EqualTo(NotificationOutcome.Skipped));
        Assert.That(_log.Lines, Has.Count.EqualTo(1));
        Assert.That(_slack.Requests, Is.Zero);
    }

    [Test]
    public async Task The_webhook_url_is_never_logged_on_success_either()
    {
        await Notifier().NotifyAsync(Rollback());

        AssertNoWebhookInLog();
    }

    private void AssertNoWebhookInLog()
    {
        Assert.That(_log.Text, Does.Not.Contain("xoxSecretWebhookToken42"));
        Assert.That(_log.Text, Does.Not.Contain(_slack.WebhookUrl.ToString()));
    }
}
