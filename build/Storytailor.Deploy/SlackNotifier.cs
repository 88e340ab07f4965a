using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Storytailor.Core;

namespace Storytailor.Deploy;

/// <summary>The moments a deployment tells Slack about.</summary>
public enum DeploymentEvent
{
    Started,
    Succeeded,
    Failed,
    RolledBack,
}

/// <summary>What one Slack message says.</summary>
public sealed record DeploymentNotice(DeploymentEvent Event, string Environment, string Version)
{
    public DeploymentColour? ColourBefore { get; init; }

    public DeploymentColour? ColourAfter { get; init; }

    public TimeSpan? Duration { get; init; }

    /// <summary>Why it failed or rolled back (e.g. "p95 912 ms > 800 ms").</summary>
    public string? Reason { get; init; }

    /// <summary>Link to the CI run.</summary>
    public string? RunUrl { get; init; }

    public string? DeploymentId { get; init; }

    public string? Actor { get; init; }

    /// <summary>Something the reader must know even on success (e.g. "cold starts not measured: …").</summary>
    public string? Note { get; init; }
}

/// <summary>Slack settings. <see cref="WebhookUrl"/> is a secret (SLACK_WEBHOOK_URL); null: notifications are off.</summary>
public sealed record SlackSettings(Uri? WebhookUrl)
{
    /// <summary>Attempts per message, the first included.</summary>
    public int Attempts { get; init; } = 3;

    /// <summary>First retry delay (doubles).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Time limit of one attempt.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

public enum NotificationOutcome
{
    Sent,
    Skipped,
    Failed,
}

public sealed record NotificationResult(NotificationOutcome Outcome, string Message, int Attempts);

/// <summary>
/// Posts Block Kit messages to a Slack incoming webhook. Slack never fails or blocks a deployment: 5xx, 429,
/// timeouts and refused connections are retried a few times with a short backoff, then reported as a warning;
/// other answers (e.g. 404 no_service) are a warning at once. The webhook URL never appears in the log.
/// </summary>
public sealed class SlackNotifier
{
    private readonly HttpClient _http;
    private readonly SlackSettings _settings;
    private readonly IBuildLog _log;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public SlackNotifier(HttpClient http, SlackSettings settings, IBuildLog log, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(settings);
        _http = http;
        _settings = settings;
        _log = log;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time ?? TimeProvider.System };
        if (settings.Attempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = settings.Attempts - 1,
                Delay = settings.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => IsTransient(r.StatusCode)),
                OnRetry = args =>
                {
                    var why = args.Outcome.Exception is { } ex ? Describe(ex) : $"HTTP {(int)args.Outcome.Result!.StatusCode}";
                    _log.Verbose($"Slack: attempt {args.AttemptNumber + 1} failed ({why}); retrying in {args.RetryDelay.TotalMilliseconds:0} ms.");
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            });
        }

        builder.AddTimeout(settings.AttemptTimeout);
        _pipeline = builder.Build();
    }

    /// <summary>Sends the notice. Never throws, except when the caller cancels.</summary>
    public async Task<NotificationResult> NotifyAsync(DeploymentNotice notice, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notice);
        if (_settings.WebhookUrl is null)
        {
            const string skipped = "Slack: no webhook configured (SLACK_WEBHOOK_URL); notification skipped.";
            _log.Information(skipped);
            return new NotificationResult(NotificationOutcome.Skipped, skipped, 0);
        }

        var body = BuildMessage(notice).ToJsonString();
        var attempts = 0;
        try
        {
            using var response = await _pipeline.ExecuteAsync(
                async token =>
                {
                    attempts++;
                    using var content = new StringContent(body, Encoding.UTF8, "application/json");
                    return await _http.PostAsync(_settings.WebhookUrl, content, token).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                var sent = $"Slack: {notice.Event} notice for {notice.Version} to '{notice.Environment}' sent.";
                _log.Information(sent);
                return new NotificationResult(NotificationOutcome.Sent, sent, attempts);
            }

            var answer = await ReadShortAsync(response, cancellationToken).ConfigureAwait(false);
            return Warn($"Slack answered HTTP {(int)response.StatusCode} {answer}", attempts, notice);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or OperationCanceledException)
        {
            return Warn(Describe(ex), attempts, notice);
        }
    }

    /// <summary>The Block Kit message of a notice (header, fields, reason, run link) with a plain-text fallback.</summary>
    public static JsonObject BuildMessage(DeploymentNotice notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var (emoji, verb) = notice.Event switch
        {
            DeploymentEvent.Started => (":rocket:", "started"),
            DeploymentEvent.Succeeded => (":white_check_mark:", "succeeded"),
            DeploymentEvent.Failed => (":x:", "FAILED"),
            _ => (":rewind:", "ROLLED BACK"),
        };
        var title = $"{emoji} Deployment of {notice.Version} to {notice.Environment} {verb}";
        var fields = new JsonArray
        {
            Field("Environment", notice.Environment),
            Field("Version", notice.Version),
        };
        if (notice.ColourBefore is not null || notice.ColourAfter is not null)
        {
            fields.Add(Field("Colours", $"{notice.ColourBefore?.Name() ?? "none"} → {notice.ColourAfter?.Name() ?? "none"}"));
        }

        if (notice.Duration is { } duration)
        {
            fields.Add(Field("Duration", Durations.Format(TimeSpan.FromSeconds(Math.Round(duration.TotalSeconds)))));
        }

        if (notice.Actor is not null)
        {
            fields.Add(Field("By", notice.Actor));
        }

        var blocks = new JsonArray
        {
            new JsonObject { ["type"] = "header", ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = Truncate(title, 150), ["emoji"] = true } },
            new JsonObject { ["type"] = "section", ["fields"] = fields },
        };
        if (!string.IsNullOrWhiteSpace(notice.Reason))
        {
            blocks.Add(new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = Truncate($"*Reason:* {Escape(notice.Reason)}", 3000) } });
        }

        if (!string.IsNullOrWhiteSpace(notice.Note))
        {
            blocks.Add(new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = Truncate($"*Note:* {Escape(notice.Note)}", 3000) } });
        }

        var context = new List<string>();
        if (notice.RunUrl is not null)
        {
            context.Add($"<{notice.RunUrl}|View the run>");
        }

        if (notice.DeploymentId is not null)
        {
            context.Add($"deployment {Escape(notice.DeploymentId)}");
        }

        if (context.Count > 0)
        {
            blocks.Add(new JsonObject { ["type"] = "context", ["elements"] = new JsonArray(context.Select(c => (JsonNode)new JsonObject { ["type"] = "mrkdwn", ["text"] = c }).ToArray()) });
        }

        var fallback = title + (notice.Reason is null ? string.Empty : $": {notice.Reason}") + (notice.Note is null ? string.Empty : $" ({notice.Note})");
        return new JsonObject { ["text"] = fallback, ["blocks"] = blocks };
    }

    private NotificationResult Warn(string why, int attempts, DeploymentNotice notice)
    {
        var message = $"Slack: the {notice.Event} notice for {notice.Version} to '{notice.Environment}' was not delivered after {attempts} attempt(s): {Scrub(why)}. The deployment continues.";
        _log.Warning(message);
        return new NotificationResult(NotificationOutcome.Failed, message, attempts);
    }

    private static bool IsTransient(HttpStatusCode status) => (int)status >= 500 || status == HttpStatusCode.TooManyRequests || status == HttpStatusCode.RequestTimeout;

    private static string Describe(Exception ex) => ex switch
    {
        TimeoutRejectedException => "no answer in time",
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => "connection failed",
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => "host name not resolved",
        HttpRequestException http => $"request failed ({http.HttpRequestError})",
        OperationCanceledException => "request cancelled (HttpClient timeout)",
        _ => ex.GetType().Name,
    };

    /// <summary>The URL must never show, even if an answer echoes it.</summary>
    private string Scrub(string text)
    {
        if (_settings.WebhookUrl is not { } url)
        {
            return text;
        }

        text = text.Replace(url.ToString(), "***", StringComparison.OrdinalIgnoreCase);
        return url.AbsolutePath.Length > 1 ? text.Replace(url.AbsolutePath, "***", StringComparison.OrdinalIgnoreCase) : text;
    }

    private static async Task<string> ReadShortAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        text = text.ReplaceLineEndings(" ").Trim();
        return text.Length == 0 ? string.Empty : $"'{Truncate(text, 200)}'";
    }

    private static JsonObject Field(string name, string value) => new() { ["type"] = "mrkdwn", ["text"] = $"*{name}*\n{Escape(value)}" };

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Truncate(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
}
