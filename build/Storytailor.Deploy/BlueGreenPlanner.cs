using Storytailor.Aws;
using Storytailor.Core;

namespace Storytailor.Deploy;

/// <summary>What the public record says right now.</summary>
public sealed record LiveColour(DeploymentColour? Colour, string? Target, long? Ttl)
{
    /// <summary>No record yet: nothing is live, this is the first deployment.</summary>
    public bool IsFirstDeployment => Colour is null;

    /// <summary>The colour to deploy to: the other one, or blue on the first deployment.</summary>
    public DeploymentColour Idle => Colour?.Other() ?? DeploymentColour.Blue;

    public string Describe() => Colour is { } colour
        ? $"{colour.Name()} is live (record → {Target}, TTL {Ttl} s); idle: {Idle.Name()}"
        : $"no public record yet: first deployment, to {Idle.Name()}";
}

/// <summary>The public record points somewhere that is neither colour's endpoint: the build will not guess.</summary>
public sealed class UnknownRecordTargetException(string domain, string target, IEnumerable<string> known)
    : Exception($"The public record {domain} points to '{target}', which is neither colour's endpoint ({string.Join(", ", known)}). Fix the record or the colour endpoints in the settings; nothing was changed.")
{
    public string Target { get; } = target;
}

public enum SwitchOutcome
{
    /// <summary>The record points to the new colour and the change is INSYNC.</summary>
    Switched,

    /// <summary>The record already pointed to the colour; nothing was changed.</summary>
    AlreadyLive,

    /// <summary>The change stayed PENDING; the record was set back to the previous target (INSYNC).</summary>
    TimedOutReverted,

    /// <summary>The change stayed PENDING and setting it back did not finish either (or there was nothing to go back to). Needs a human.</summary>
    TimedOutNotReverted,
}

public sealed record SwitchResult(SwitchOutcome Outcome, DeploymentColour? From, DeploymentColour To, string? PreviousTarget, string NewTarget, string? ChangeId, DateTimeOffset? InSyncAt, string Message)
{
    /// <summary>The record points to <see cref="To"/> now.</summary>
    public bool Succeeded => Outcome is SwitchOutcome.Switched or SwitchOutcome.AlreadyLive;

    public IReadOnlyList<string> Facts { get; init; } = [];
}

/// <summary>
/// Blue/green decisions on the public DNS record, the source of truth for which colour is live.
/// </summary>
public sealed class BlueGreenPlanner(IDnsRouter dns, DeploymentEnvironmentSettings settings, string hostedZoneId, TimeProvider time, IBuildLog log)
{
    /// <summary>Reads the record: its target's colour, or the first deployment. An unknown target throws <see cref="UnknownRecordTargetException"/>.</summary>
    public async Task<LiveColour> ReadLiveColourAsync(CancellationToken cancellationToken = default)
    {
        if (!settings.IsBlueGreen)
        {
            throw new InvalidOperationException($"The environment '{settings.Name}' has no colours; it has no live colour to read.");
        }

        var record = await dns.GetRecordAsync(hostedZoneId, settings.Domain, settings.RecordType, null, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            var first = new LiveColour(null, null, null);
            log.Information($"Live colour of '{settings.Name}': {first.Describe()}.");
            return first;
        }

        var colour = settings.ColourForTarget(record.Value)
            ?? throw new UnknownRecordTargetException(settings.Domain, record.Value, settings.Colours.Select(c => $"{c.Colour.Name()} = {c.Endpoint}"));
        var live = new LiveColour(colour, DeploymentEnvironmentSettings.NormalizeHost(record.Value), record.Ttl);
        log.Information($"Live colour of '{settings.Name}': {live.Describe()}.");
        return live;
    }

    /// <summary>The DNS change a switch to <paramref name="to"/> would make (for dry runs and reports).</summary>
    public string DescribeSwitch(LiveColour live, DeploymentColour to)
    {
        ArgumentNullException.ThrowIfNull(live);
        var target = settings.ColourOf(to).Endpoint;
        return live.Colour == to
            ? $"{settings.Domain} already points to {to.Name()} ({target}); no DNS change."
            : $"UPSERT {settings.Domain} {settings.RecordType} {live.Target ?? "(none)"} → {target} ({live.Colour?.Name() ?? "none"} → {to.Name()}), TTL {settings.RecordTtl} s; wait for INSYNC up to {Durations.Format(settings.DnsSyncTimeout)}.";
    }

    /// <summary>
    /// Points the public record to <paramref name="to"/> and waits for INSYNC. When the change stays PENDING
    /// past the timeout, the record is set back to its previous target (and that change waited for).
    /// </summary>
    public async Task<SwitchResult> SwitchAsync(DeploymentColour to, string? comment = null, CancellationToken cancellationToken = default)
    {
        var live = await ReadLiveColourAsync(cancellationToken).ConfigureAwait(false);
        var target = DeploymentEnvironmentSettings.NormalizeHost(settings.ColourOf(to).Endpoint);
        if (live.Colour == to)
        {
            var already = $"{settings.Domain} already points to {to.Name()} ({target}); no change made.";
            log.Information(already);
            return new SwitchResult(SwitchOutcome.AlreadyLive, live.Colour, to, live.Target, target, null, null, already) { Facts = [already] };
        }

        var changeId = await dns.UpsertRecordAsync(hostedZoneId, DnsRecord.Cname(settings.Domain, target, settings.RecordTtl), comment ?? $"blue/green: {live.Colour?.Name() ?? "none"} -> {to.Name()}", cancellationToken).ConfigureAwait(false);
        try
        {
            await dns.WaitForInSyncAsync(changeId, settings.DnsSyncTimeout, settings.DnsPollInterval, cancellationToken).ConfigureAwait(false);
            var at = time.GetUtcNow();
            var done = $"{settings.Domain} switched {live.Colour?.Name() ?? "none"} → {to.Name()} ({target}); change {changeId} INSYNC.";
            log.Information(done);
            return new SwitchResult(SwitchOutcome.Switched, live.Colour, to, live.Target, target, changeId, at, done) { Facts = [done] };
        }
        catch (AwsWaitTimeoutException timeout)
        {
            return await RevertAsync(live, to, target, changeId, timeout, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<SwitchResult> RevertAsync(LiveColour live, DeploymentColour to, string target, string changeId, AwsWaitTimeoutException timeout, CancellationToken cancellationToken)
    {
        var pending = $"change {changeId} ({settings.Domain} → {target}) not INSYNC within {Durations.Format(settings.DnsSyncTimeout)} (last state {timeout.LastState})";
        if (live.Target is null)
        {
            var none = $"{pending}; there was no record before, so there is nothing to revert to. The record points to {to.Name()} (which passed its pre-promotion tests) once the change completes; check Route 53.";
            log.Error(none);
            return new SwitchResult(SwitchOutcome.TimedOutNotReverted, live.Colour, to, null, target, changeId, null, none) { Facts = [pending, "no previous record to revert to"] };
        }

        log.Warning($"{pending}; reverting the record to {live.Colour?.Name()} ({live.Target}).");
        var revertId = await dns.UpsertRecordAsync(hostedZoneId, DnsRecord.Cname(settings.Domain, live.Target, live.Ttl ?? settings.RecordTtl), $"blue/green: revert to {live.Colour?.Name()} after a PENDING switch", cancellationToken).ConfigureAwait(false);
        try
        {
            await dns.WaitForInSyncAsync(revertId, settings.DnsSyncTimeout, settings.DnsPollInterval, cancellationToken).ConfigureAwait(false);
            var reverted = $"{pending}; record reverted to {live.Colour?.Name()} ({live.Target}), change {revertId} INSYNC. The live colour is unchanged.";
            log.Warning(reverted);
            return new SwitchResult(SwitchOutcome.TimedOutReverted, live.Colour, to, live.Target, target, changeId, null, reverted) { Facts = [pending, $"reverted to {live.Target}, change {revertId} INSYNC"] };
        }
        catch (AwsWaitTimeoutException again)
        {
            var stuck = $"{pending}; the revert to {live.Target} (change {revertId}) is not INSYNC either (last state {again.LastState}). Route 53 is not propagating changes: check the record by hand.";
            log.Error(stuck);
            return new SwitchResult(SwitchOutcome.TimedOutNotReverted, live.Colour, to, live.Target, target, changeId, null, stuck) { Facts = [pending, $"revert change {revertId} still {again.LastState}"] };
        }
    }
}
