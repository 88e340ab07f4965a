using System.Globalization;
using Storytailor.Aws;
using Storytailor.Core;

namespace Storytailor.Deploy;

/// <summary>The facts the cleanup decision starts from.</summary>
/// <param name="NewColour">The colour the deployment switched to (must stay).</param>
/// <param name="SwitchedAt">When the switch was INSYNC.</param>
/// <param name="Monitoring">The monitoring window's result (must have passed without rollback).</param>
/// <param name="OldApi">Where the old colour's API metrics are published (from its stack's outputs); null: unknown, so it is kept.</param>
public sealed record CleanupRequest(DeploymentColour NewColour, DateTimeOffset SwitchedAt, MonitoringResult? Monitoring, ApiIdentity? OldApi)
{
    /// <summary>The colour that would be destroyed.</summary>
    public DeploymentColour OldColour => NewColour.Other();

    /// <summary>Why <see cref="OldApi"/> is unknown.</summary>
    public string ApiUnknown { get; init; } = "its API identity is unknown";
}

/// <summary>One condition of the cleanup decision.</summary>
public sealed record CleanupCheck(string Name, bool Passed, string Fact);

/// <summary>Whether the old colour's workspace may be destroyed, with every condition and its fact.</summary>
public sealed record CleanupDecision(bool MayDestroy, DeploymentColour Colour, string Workspace, IReadOnlyList<CleanupCheck> Checks)
{
    public IReadOnlyList<string> Reasons => [.. Checks.Where(c => !c.Passed).Select(c => c.Fact)];

    public string Summary => MayDestroy
        ? $"The {Colour.Name()} colour (workspace {Workspace}) may be destroyed: {string.Join("; ", Checks.Select(c => c.Fact))}."
        : $"The {Colour.Name()} colour (workspace {Workspace}) is kept: {string.Join("; ", Reasons)}.";
}

/// <summary>
/// Decides, right before destroy, whether the old colour may go. All must hold: the monitoring window passed
/// without rollback; the public record, read again now, points to the new colour (so never to the one being
/// destroyed); at least twice the record's TTL passed since the switch; and the old colour served at most
/// <see cref="DeploymentEnvironmentSettings.CleanupMaxRequests"/> requests over the traffic window.
/// Every condition is evaluated and reported; anything that cannot be read counts as "no". The guard fails closed on
/// traffic: "no data" is not "no requests". The old colour's request count must be published where the build looks
/// (data points in the hour before the switch or since); only whole periods after the switch count as traffic; only then is the absence of recent points zero requests.
/// </summary>
public sealed class CleanupGuard(IDnsRouter dns, IMetricsReader metrics, DeploymentEnvironmentSettings settings, string hostedZoneId, TimeProvider time, IBuildLog log)
{
    /// <summary>How far before the switch the old colour's request count is looked for, to know its metrics are published where the build looks.</summary>
    public static readonly TimeSpan EvidenceLookback = TimeSpan.FromHours(1);

    public async Task<CleanupDecision> DecideAsync(CleanupRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var old = settings.ColourOf(request.OldColour);
        var checks = new List<CleanupCheck>
        {
            MonitoringCheck(request.Monitoring),
        };
        var (recordCheck, ttl) = await RecordCheckAsync(request, old, cancellationToken).ConfigureAwait(false);
        checks.Add(recordCheck);
        checks.Add(TtlCheck(request.SwitchedAt, ttl));
        checks.Add(await TrafficCheckAsync(request, old, cancellationToken).ConfigureAwait(false));

        var decision = new CleanupDecision(checks.All(c => c.Passed), request.OldColour, old.Workspace, checks);
        if (decision.MayDestroy)
        {
            log.Information(decision.Summary);
        }
        else
        {
            log.Warning(decision.Summary);
        }

        return decision;
    }

    private static CleanupCheck MonitoringCheck(MonitoringResult? monitoring) => monitoring switch
    {
        null => new CleanupCheck("monitoring", false, "no monitoring window result"),
        { Verdict: MonitoringVerdict.Passed } => new CleanupCheck("monitoring", true, $"monitoring window passed ({monitoring.Samples.Count} samples, no rollback)"),
        _ => new CleanupCheck("monitoring", false, $"monitoring window ended {monitoring.Verdict}: {monitoring.Reason}"),
    };

    private async Task<(CleanupCheck Check, long? Ttl)> RecordCheckAsync(CleanupRequest request, ColourTarget old, CancellationToken cancellationToken)
    {
        DnsRecord? record;
        try
        {
            record = await dns.GetRecordAsync(hostedZoneId, settings.Domain, settings.RecordType, null, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException ex)
        {
            return (new CleanupCheck("record", false, $"the record {settings.Domain} could not be read again: {ex.Message}"), null);
        }

        if (record is null)
        {
            return (new CleanupCheck("record", false, $"the record {settings.Domain} does not exist now"), null);
        }

        var pointsTo = settings.ColourForTarget(record.Value);
        var check = pointsTo switch
        {
            _ when pointsTo == request.OldColour => new CleanupCheck("record", false, $"the record {settings.Domain} points to {old.Colour.Name()} ({record.Value}), the colour that would be destroyed; refusing"),
            _ when pointsTo == request.NewColour => new CleanupCheck("record", true, $"the record {settings.Domain} points to {request.NewColour.Name()} ({record.Value}), read again now"),
            _ => new CleanupCheck("record", false, $"the record {settings.Domain} points to '{record.Value}', which is neither colour"),
        };
        return (check, record.Ttl);
    }

    private CleanupCheck TtlCheck(DateTimeOffset switchedAt, long? ttl)
    {
        var seconds = Math.Max(ttl ?? settings.RecordTtl, settings.RecordTtl);
        var needed = TimeSpan.FromSeconds(2 * seconds);
        var elapsed = time.GetUtcNow() - switchedAt;
        return elapsed >= needed
            ? new CleanupCheck("ttl", true, $"{Durations.Format(Round(elapsed))} since the switch ≥ 2 × TTL ({Durations.Format(needed)})")
            : new CleanupCheck("ttl", false, $"only {Durations.Format(Round(elapsed))} since the switch < 2 × TTL ({Durations.Format(needed)}); resolvers may still hold the old target");
    }

    private async Task<CleanupCheck> TrafficCheckAsync(CleanupRequest request, ColourTarget old, CancellationToken cancellationToken)
    {
        var name = old.Colour.Name();
        if (request.OldApi is not { } api)
        {
            return new CleanupCheck("traffic", false, $"the traffic of {name} is unknown: {request.ApiUnknown}");
        }

        var period = settings.MetricPeriod;
        var end = FloorTo(time.GetUtcNow() - settings.MetricDelay, period);
        // Only whole periods after the switch count as "still serving"; the hour before it shows where the metrics are.
        var firstAfterSwitch = FloorTo(request.SwitchedAt, period) + (FloorTo(request.SwitchedAt, period) == request.SwitchedAt ? TimeSpan.Zero : period);
        var recent = Max(end - settings.CleanupTrafficWindow, firstAfterSwitch);
        var since = FloorTo(Min(recent, request.SwitchedAt - EvidenceLookback), period);
        if (recent >= end)
        {
            return new CleanupCheck("traffic", false, $"the traffic of {name} since the switch cannot be counted yet: no whole {Durations.Format(period)} period has been published since {request.SwitchedAt.UtcDateTime:u}");
        }

        IReadOnlyList<MetricPoint> points;
        try
        {
            var series = await metrics.GetMetricDataAsync([MetricQueries.Requests(api, (int)period.TotalSeconds)], since, end, cancellationToken).ConfigureAwait(false);
            points = [.. series.Where(s => s.Id == "requests").SelectMany(s => s.Points).Where(p => p.Timestamp >= since && p.Timestamp < end)];
        }
        catch (AwsServiceException ex)
        {
            return new CleanupCheck("traffic", false, $"the request count of {name} could not be read: {ex.Message}");
        }

        if (points.Count == 0)
        {
            return new CleanupCheck("traffic", false, $"the traffic of {name} is unknown: CloudWatch has no request count for {api} since {since.UtcDateTime:u} (not published, or not where the build looks); no data is not zero requests");
        }

        var count = points.Where(p => p.Timestamp >= recent).Sum(p => p.Value);
        var span = Durations.Format(end - recent);
        var text = Number(count);
        var limit = Number(settings.CleanupMaxRequests);
        var evidence = $"{points.Count} data point(s) of its request count since {since.UtcDateTime:u}";
        return count <= settings.CleanupMaxRequests
            ? new CleanupCheck("traffic", true, $"{name} served {text} requests in the last {span} (≤ {limit}; {evidence})")
            : new CleanupCheck("traffic", false, $"{name} still served {text} requests in the last {span} (> {limit})");
    }

    private static DateTimeOffset FloorTo(DateTimeOffset value, TimeSpan period)
    {
        var ticks = value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return new DateTimeOffset(value.UtcTicks - (ticks % period.Ticks), TimeSpan.Zero);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static TimeSpan Round(TimeSpan value) => TimeSpan.FromSeconds(Math.Max(0, Math.Floor(value.TotalSeconds)));
}
