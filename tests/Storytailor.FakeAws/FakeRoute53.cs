using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Xml.Linq;

namespace Storytailor.FakeAws;

/// <summary>A record set in a fake hosted zone.</summary>
public sealed record FakeRecordSet(string Name, string Type, IReadOnlyList<string> Values, long Ttl, string? SetIdentifier = null, long? Weight = null);

/// <summary>A submitted change.</summary>
public sealed record FakeChange(string Id, DateTimeOffset SubmittedAt, string? Comment, bool StuckPending);

/// <summary>Route 53: hosted zones, record sets, changes PENDING → INSYNC after <see cref="InSyncAfter"/>.</summary>
public sealed class FakeRoute53(FakeAwsServer server) : FakeService(server)
{
    public const string XmlNamespace = "https://route53.amazonaws.com/doc/2013-04-01/";
    private static readonly XNamespace Ns = XmlNamespace;

    private readonly ConcurrentDictionary<string, (string Name, List<FakeRecordSet> Records)> _zones = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FakeChange> _changes = new(StringComparer.Ordinal);
    private int _changeCounter;

    public override string Name => "route53";

    /// <summary>How long after submission a change reports INSYNC (by the server's clock). Zero: at the first GetChange.</summary>
    public TimeSpan InSyncAfter { get; set; } = TimeSpan.Zero;

    /// <summary>When true, new changes stay PENDING forever.</summary>
    public bool StickNewChangesInPending { get; set; }

    public void CreateHostedZone(string zoneId, string zoneName) => _zones[zoneId] = (Normalize(zoneName), []);

    public IReadOnlyList<FakeRecordSet> Records(string zoneId)
    {
        var zone = _zones[zoneId];
        lock (zone.Records)
        {
            return [.. zone.Records];
        }
    }

    public void PutRecord(string zoneId, FakeRecordSet record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var zone = _zones[zoneId];
        lock (zone.Records)
        {
            zone.Records.RemoveAll(r => Same(r, record));
            zone.Records.Add(record with { Name = Normalize(record.Name) });
        }
    }

    public IReadOnlyList<FakeChange> Changes => [.. _changes.Values.OrderBy(c => c.Id, StringComparer.Ordinal)];

    /// <summary>When the change reports INSYNC by the server's clock (null: stuck in PENDING).</summary>
    public DateTimeOffset? InSyncAt(FakeChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return change.StuckPending ? null : change.SubmittedAt + InSyncAfter;
    }

    internal override string OperationOf(FakeRequest request)
    {
        var s = request.Segments;
        if (s.Count >= 4 && s[0] == "2013-04-01" && s[1] == "hostedzone" && s[3] == "rrset")
        {
            return request.Method == "POST" ? "ChangeResourceRecordSets" : request.Method == "GET" ? "ListResourceRecordSets" : "Unsupported";
        }

        return s.Count == 3 && s[0] == "2013-04-01" && s[1] == "change" && request.Method == "GET" ? "GetChange" : "Unsupported";
    }

    internal override bool IsMutating(string operation) => operation == "ChangeResourceRecordSets";

    internal override FakeResponse SignatureError(SignatureCheck check, string requestId) =>
        XmlError(403, XmlNamespace, check.ErrorCode is "InvalidAccessKeyId" ? "InvalidClientTokenId" : check.ErrorCode, check.Message, requestId);

    internal override FakeResponse ThrottleError(FakeRequest request, string requestId) => XmlError(400, XmlNamespace, "Throttling", "Rate exceeded", requestId);

    internal override FakeResponse ServerError(FakeRequest request, string requestId) => XmlError(503, XmlNamespace, "ServiceUnavailable", "Service is unavailable", requestId, "Receiver");

    internal override FakeResponse Handle(string operation, FakeRequest request, string requestId)
    {
        var s = request.Segments;
        switch (operation)
        {
            case "GetChange":
                return GetChange(s[2], requestId);
            case "ChangeResourceRecordSets":
            case "ListResourceRecordSets":
                var zoneId = s[2];
                if (!_zones.TryGetValue(zoneId, out var zone))
                {
                    return XmlError(404, XmlNamespace, "NoSuchHostedZone", $"No hosted zone found with ID: {zoneId}", requestId);
                }

                lock (zone.Records)
                {
                    return operation == "ListResourceRecordSets" ? List(zone.Records, request) : Change(zone.Name, zone.Records, request, requestId);
                }

            default:
                return XmlError(400, XmlNamespace, "InvalidAction", $"The fake Route 53 does not implement {request.Method} {request.RawPath}", requestId);
        }
    }

    private FakeResponse GetChange(string id, string requestId)
    {
        id = id.Replace("/change/", string.Empty, StringComparison.Ordinal);
        if (!_changes.TryGetValue(id, out var change))
        {
            return XmlError(404, XmlNamespace, "NoSuchChange", $"Could not find resource with ID: {id}", requestId);
        }

        return FakeResponse.Xml(200, $"<?xml version=\"1.0\"?>\n<GetChangeResponse xmlns=\"{XmlNamespace}\">{ChangeInfo(change)}</GetChangeResponse>");
    }

    private string StatusOf(FakeChange change) => Server.Clock() >= InSyncAt(change) ? "INSYNC" : "PENDING";

    private string ChangeInfo(FakeChange change, string? status = null) =>
        $"<ChangeInfo><Id>/change/{change.Id}</Id><Status>{status ?? StatusOf(change)}</Status><SubmittedAt>{change.SubmittedAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}</SubmittedAt>{(change.Comment is null ? string.Empty : $"<Comment>{Escape(change.Comment)}</Comment>")}</ChangeInfo>";

    private FakeResponse Change(string zoneName, List<FakeRecordSet> records, FakeRequest request, string requestId)
    {
        XElement root;
        try
        {
            root = XDocument.Parse(request.BodyText).Root!;
        }
        catch (System.Xml.XmlException ex)
        {
            return XmlError(400, XmlNamespace, "InvalidInput", $"Could not parse the request: {ex.Message}", requestId);
        }

        var batch = root.Element(Ns + "ChangeBatch");
        var changes = batch?.Element(Ns + "Changes")?.Elements(Ns + "Change").ToList() ?? [];
        if (changes.Count == 0)
        {
            return XmlError(400, XmlNamespace, "InvalidInput", "1 validation error detected: Value null at 'changeBatch.changes' failed to satisfy constraint: Member must not be null", requestId);
        }

        var working = records.ToList();
        var problems = new List<string>();
        foreach (var change in changes)
        {
            var action = change.Element(Ns + "Action")?.Value ?? string.Empty;
            var set = change.Element(Ns + "ResourceRecordSet")!;
            var record = new FakeRecordSet(
                Normalize(set.Element(Ns + "Name")?.Value ?? string.Empty),
                set.Element(Ns + "Type")?.Value ?? string.Empty,
                set.Element(Ns + "ResourceRecords")?.Elements(Ns + "ResourceRecord").Select(r => r.Element(Ns + "Value")?.Value ?? string.Empty).ToList() ?? [],
                long.TryParse(set.Element(Ns + "TTL")?.Value, CultureInfo.InvariantCulture, out var ttl) ? ttl : 300,
                set.Element(Ns + "SetIdentifier")?.Value,
                long.TryParse(set.Element(Ns + "Weight")?.Value, CultureInfo.InvariantCulture, out var weight) ? weight : null);
            if (record.Name != zoneName && !record.Name.EndsWith("." + zoneName, StringComparison.Ordinal))
            {
                problems.Add($"RRSet with DNS name {record.Name} is not permitted in zone {zoneName}");
                continue;
            }

            if ((record.SetIdentifier is null) != (record.Weight is null))
            {
                problems.Add($"Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found none in Change with [Action={action}, Name={record.Name}, Type={record.Type}, SetIdentifier={record.SetIdentifier}]");
                continue;
            }

            if (record.Type == "CNAME" && record.Values.Count != 1)
            {
                problems.Add($"RRSet of type CNAME with DNS name {record.Name} is not permitted because it has more than one value");
                continue;
            }

            var existing = working.FirstOrDefault(r => Same(r, record));
            if (record.Type != "CNAME" && working.Any(r => r.Name == record.Name && r.Type == "CNAME" && !Same(r, record)))
            {
                problems.Add($"RRSet of type {record.Type} with DNS name {record.Name} is not permitted as it conflicts with other records with the same DNS name in zone {zoneName}");
                continue;
            }

            switch (action)
            {
                case "CREATE" when existing is not null:
                    problems.Add($"Tried to create resource record set [name='{record.Name}', type='{record.Type}'{(record.SetIdentifier is null ? string.Empty : $", set-identifier='{record.SetIdentifier}'")}] but it already exists");
                    break;
                case "DELETE" when existing is null || existing != record && !existing.Values.SequenceEqual(record.Values):
                    problems.Add($"Tried to delete resource record set [name='{record.Name}', type='{record.Type}'] but it was not found");
                    break;
                case "DELETE":
                    working.Remove(existing!);
                    break;
                case "CREATE":
                case "UPSERT":
                    if (existing is not null)
                    {
                        working.Remove(existing);
                    }

                    working.Add(record);
                    break;
                default:
                    problems.Add($"Invalid action {action}");
                    break;
            }
        }

        if (problems.Count > 0)
        {
            return XmlError(400, XmlNamespace, "InvalidChangeBatch", $"[{string.Join(", ", problems)}]", requestId);
        }

        records.Clear();
        records.AddRange(working);
        var id = $"C{Interlocked.Increment(ref _changeCounter):D4}FAKE{Guid.NewGuid():N}"[..21].ToUpperInvariant();
        var submitted = new FakeChange(id, Server.Clock(), batch!.Element(Ns + "Comment")?.Value, StickNewChangesInPending);
        _changes[id] = submitted;
        return FakeResponse.Xml(200, $"<?xml version=\"1.0\"?>\n<ChangeResourceRecordSetsResponse xmlns=\"{XmlNamespace}\">{ChangeInfo(submitted, "PENDING")}</ChangeResourceRecordSetsResponse>");
    }

    private static FakeResponse List(List<FakeRecordSet> records, FakeRequest request)
    {
        var startName = request.Query.GetValueOrDefault("name") is { } n ? Normalize(n) : null;
        var startType = request.Query.GetValueOrDefault("type");
        var startIdentifier = request.Query.GetValueOrDefault("identifier");
        var maxItems = int.TryParse(request.Query.GetValueOrDefault("maxitems"), CultureInfo.InvariantCulture, out var max) ? Math.Clamp(max, 1, 300) : 300;
        var ordered = records.OrderBy(r => SortKey(r.Name), StringComparer.Ordinal).ThenBy(r => r.Type, StringComparer.Ordinal).ThenBy(r => r.SetIdentifier ?? string.Empty, StringComparer.Ordinal).ToList();
        var from = ordered.FindIndex(r =>
        {
            if (startName is null)
            {
                return true;
            }

            var byName = string.CompareOrdinal(SortKey(r.Name), SortKey(startName));
            if (byName != 0)
            {
                return byName > 0;
            }

            var byType = startType is null ? 0 : string.CompareOrdinal(r.Type, startType);
            if (byType != 0)
            {
                return byType > 0;
            }

            return startIdentifier is null || string.CompareOrdinal(r.SetIdentifier ?? string.Empty, startIdentifier) >= 0;
        });
        var rest = from < 0 ? [] : ordered.Skip(from).ToList();
        var page = rest.Take(maxItems).ToList();
        var xml = new StringBuilder($"<?xml version=\"1.0\"?>\n<ListResourceRecordSetsResponse xmlns=\"{XmlNamespace}\"><ResourceRecordSets>");
        foreach (var r in page)
        {
            xml.Append(CultureInfo.InvariantCulture, $"<ResourceRecordSet><Name>{Escape(r.Name)}</Name><Type>{r.Type}</Type>");
            if (r.SetIdentifier is not null)
            {
                xml.Append(CultureInfo.InvariantCulture, $"<SetIdentifier>{Escape(r.SetIdentifier)}</SetIdentifier><Weight>{r.Weight}</Weight>");
            }

            xml.Append(CultureInfo.InvariantCulture, $"<TTL>{r.Ttl}</TTL><ResourceRecords>{string.Concat(r.Values.Select(v => $"<ResourceRecord><Value>{Escape(v)}</Value></ResourceRecord>"))}</ResourceRecords></ResourceRecordSet>");
        }

        var truncated = rest.Count > page.Count;
        xml.Append(CultureInfo.InvariantCulture, $"</ResourceRecordSets><IsTruncated>{(truncated ? "true" : "false")}</IsTruncated>");
        if (truncated)
        {
            var next = rest[page.Count];
            xml.Append(CultureInfo.InvariantCulture, $"<NextRecordName>{Escape(next.Name)}</NextRecordName><NextRecordType>{next.Type}</NextRecordType>");
            if (next.SetIdentifier is not null)
            {
                xml.Append(CultureInfo.InvariantCulture, $"<NextRecordIdentifier>{Escape(next.SetIdentifier)}</NextRecordIdentifier>");
            }
        }

        xml.Append(CultureInfo.InvariantCulture, $"<MaxItems>{maxItems}</MaxItems></ListResourceRecordSetsResponse>");
        return FakeResponse.Xml(200, xml.ToString());
    }

    private static bool Same(FakeRecordSet a, FakeRecordSet b) =>
        Normalize(a.Name) == Normalize(b.Name) && a.Type == b.Type && a.SetIdentifier == b.SetIdentifier;

    /// <summary>Route 53 orders names by their labels read right to left.</summary>
    private static string SortKey(string name) => string.Join('.', Normalize(name).TrimEnd('.').Split('.').Reverse());

    internal static string Normalize(string name)
    {
        var lower = name.Trim().ToLowerInvariant();
        return lower.EndsWith('.') ? lower : lower + ".";
    }
}
