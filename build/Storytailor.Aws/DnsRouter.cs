namespace Storytailor.Aws;

/// <summary>
/// A DNS record set. <see cref="SetIdentifier"/> and <see cref="Weight"/> are set together for weighted
/// routing; both null for a simple record.
/// </summary>
public sealed record DnsRecord(string Name, string Type, IReadOnlyList<string> Values)
{
    public long Ttl { get; init; } = 60;

    public string? SetIdentifier { get; init; }

    public long? Weight { get; init; }

    /// <summary>A simple CNAME record (the default kind the pipeline switches).</summary>
    public static DnsRecord Cname(string name, string target, long ttl = 60) => new(name, "CNAME", [target]) { Ttl = ttl };

    /// <summary>One member of a weighted CNAME set.</summary>
    public static DnsRecord WeightedCname(string name, string target, string setIdentifier, long weight, long ttl = 60) =>
        new(name, "CNAME", [target]) { Ttl = ttl, SetIdentifier = setIdentifier, Weight = weight };

    /// <summary>The first value (the target, for a CNAME).</summary>
    public string Value => Values.Count > 0 ? Values[0] : string.Empty;
}

/// <summary>The DNS switch of blue/green deployments (Route 53).</summary>
public interface IDnsRouter
{
    /// <summary>The record set with this name and type (and set identifier, for weighted sets), or null when absent. Trailing dots do not matter.</summary>
    Task<DnsRecord?> GetRecordAsync(string zoneId, string name, string type = "CNAME", string? setIdentifier = null, CancellationToken cancellationToken = default);

    /// <summary>Every record set with this name and type (all members of a weighted set).</summary>
    Task<IReadOnlyList<DnsRecord>> GetRecordsAsync(string zoneId, string name, string type = "CNAME", CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces the record set; returns the change id to wait for.</summary>
    Task<string> UpsertRecordAsync(string zoneId, DnsRecord record, string? comment = null, CancellationToken cancellationToken = default);

    /// <summary>Polls the change until INSYNC; throws <see cref="AwsWaitTimeoutException"/> when the time is up.</summary>
    Task WaitForInSyncAsync(string changeId, TimeSpan timeout, TimeSpan pollInterval, CancellationToken cancellationToken = default);
}
