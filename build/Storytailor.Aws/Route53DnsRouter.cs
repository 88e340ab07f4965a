using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Storytailor.Core;

namespace Storytailor.Aws;

/// <summary>The DNS router on Route 53's REST-XML API (global; signed for us-east-1, signing name route53).</summary>
public sealed class Route53DnsRouter : IDnsRouter
{
    public const string ApiVersion = "2013-04-01";

    private static readonly XNamespace Ns = "https://route53.amazonaws.com/doc/2013-04-01/";

    /// <summary>The IAM actions this client needs, per operation it calls.</summary>
    public static IReadOnlyDictionary<string, string> Operations { get; } = new Dictionary<string, string>
    {
        ["ListResourceRecordSets"] = "route53:ListResourceRecordSets",
        ["ChangeResourceRecordSets"] = "route53:ChangeResourceRecordSets",
        ["GetChange"] = "route53:GetChange",
    };

    private readonly AwsRequestSender _sender;
    private readonly IBuildLog _log;

    internal Route53DnsRouter(AwsRequestSender sender, IBuildLog log)
    {
        _sender = sender;
        _log = log;
    }

    public async Task<DnsRecord?> GetRecordAsync(string zoneId, string name, string type = "CNAME", string? setIdentifier = null, CancellationToken cancellationToken = default)
    {
        var records = await GetRecordsAsync(zoneId, name, type, cancellationToken).ConfigureAwait(false);
        return records.FirstOrDefault(r => setIdentifier is null || string.Equals(r.SetIdentifier, setIdentifier, StringComparison.Ordinal));
    }

    public async Task<IReadOnlyList<DnsRecord>> GetRecordsAsync(string zoneId, string name, string type = "CNAME", CancellationToken cancellationToken = default)
    {
        var zone = ZoneId(zoneId);
        var wanted = DnsName(name);
        var found = new List<DnsRecord>();
        string? startName = wanted;
        string? startType = type;
        string? startIdentifier = null;
        while (startName is not null)
        {
            var query = new List<KeyValuePair<string, string>> { new("name", startName), new("type", startType!) };
            if (startIdentifier is not null)
            {
                query.Add(new("identifier", startIdentifier));
            }

            query.Add(new("maxitems", "100"));
            var response = await _sender.SendAsync(
                new AwsRequest("ListResourceRecordSets", HttpMethod.Get, $"/{ApiVersion}/hostedzone/{zone}/rrset") { Query = query, Resource = $"{zone} {wanted} {type}" },
                cancellationToken).ConfigureAwait(false);
            var root = XDocument.Parse(response.Text).Root!;
            var matchesEnded = false;
            foreach (var set in root.Element(Ns + "ResourceRecordSets")?.Elements(Ns + "ResourceRecordSet") ?? [])
            {
                var record = ParseRecord(set);
                if (DnsName(record.Name) == wanted && string.Equals(record.Type, type, StringComparison.OrdinalIgnoreCase))
                {
                    found.Add(record);
                }
                else
                {
                    matchesEnded = true;
                }
            }

            var truncated = string.Equals(root.Element(Ns + "IsTruncated")?.Value, "true", StringComparison.OrdinalIgnoreCase);
            if (!truncated || matchesEnded)
            {
                break;
            }

            startName = root.Element(Ns + "NextRecordName")?.Value;
            startType = root.Element(Ns + "NextRecordType")?.Value ?? type;
            startIdentifier = root.Element(Ns + "NextRecordIdentifier")?.Value;
            if (startName is null || DnsName(startName) != wanted)
            {
                break;
            }
        }

        return found;
    }

    public async Task<string> UpsertRecordAsync(string zoneId, DnsRecord record, string? comment = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        if ((record.SetIdentifier is null) != (record.Weight is null))
        {
            throw new ArgumentException("A weighted record needs both SetIdentifier and Weight.", nameof(record));
        }

        var zone = ZoneId(zoneId);
        var set = new XElement(
            Ns + "ResourceRecordSet",
            new XElement(Ns + "Name", DnsName(record.Name)),
            new XElement(Ns + "Type", record.Type.ToUpperInvariant()));
        if (record.SetIdentifier is not null)
        {
            set.Add(new XElement(Ns + "SetIdentifier", record.SetIdentifier), new XElement(Ns + "Weight", record.Weight!.Value.ToString(CultureInfo.InvariantCulture)));
        }

        set.Add(
            new XElement(Ns + "TTL", record.Ttl.ToString(CultureInfo.InvariantCulture)),
            new XElement(Ns + "ResourceRecords", record.Values.Select(v => new XElement(Ns + "ResourceRecord", new XElement(Ns + "Value", v)))));
        var batch = new XElement(Ns + "ChangeBatch");
        if (comment is not null)
        {
            batch.Add(new XElement(Ns + "Comment", comment));
        }

        batch.Add(new XElement(Ns + "Changes", new XElement(Ns + "Change", new XElement(Ns + "Action", "UPSERT"), set)));
        var document = new XDocument(new XDeclaration("1.0", "UTF-8", null), new XElement(Ns + "ChangeResourceRecordSetsRequest", batch));
        var body = Encoding.UTF8.GetBytes(document.Declaration + document.ToString(SaveOptions.DisableFormatting));

        var response = await _sender.SendAsync(
            new AwsRequest("ChangeResourceRecordSets", HttpMethod.Post, $"/{ApiVersion}/hostedzone/{zone}/rrset/")
            {
                Body = body,
                ContentType = "application/xml",
                Resource = $"{zone} UPSERT {DnsName(record.Name)} {record.Type} -> {string.Join(",", record.Values)}",
            },
            cancellationToken).ConfigureAwait(false);
        var info = XDocument.Parse(response.Text).Root!.Element(Ns + "ChangeInfo");
        var id = info?.Element(Ns + "Id")?.Value ?? throw new AwsServiceException("route53", "ChangeResourceRecordSets", "MalformedResponse", "the answer has no ChangeInfo/Id", response.Header("x-amzn-RequestId"), response.StatusCode);
        var changeId = ChangeId(id);
        _log.Information($"route53: UPSERT {DnsName(record.Name)} {record.Type} -> {string.Join(",", record.Values)}{(record.SetIdentifier is null ? string.Empty : $" ({record.SetIdentifier}, weight {record.Weight})")} in {zone}: change {changeId} {info!.Element(Ns + "Status")?.Value}");
        return changeId;
    }

    public async Task WaitForInSyncAsync(string changeId, TimeSpan timeout, TimeSpan pollInterval, CancellationToken cancellationToken = default)
    {
        var id = ChangeId(changeId);
        var clock = Stopwatch.StartNew();
        var status = "unknown";
        while (true)
        {
            var response = await _sender.SendAsync(new AwsRequest("GetChange", HttpMethod.Get, $"/{ApiVersion}/change/{id}") { Resource = id }, cancellationToken).ConfigureAwait(false);
            status = XDocument.Parse(response.Text).Root!.Element(Ns + "ChangeInfo")?.Element(Ns + "Status")?.Value ?? "unknown";
            if (status == "INSYNC")
            {
                _log.Information($"route53: change {id} is INSYNC after {clock.Elapsed.TotalSeconds:0.#} s");
                return;
            }

            if (clock.Elapsed + pollInterval > timeout)
            {
                throw new AwsWaitTimeoutException($"Route 53 change {id} to become INSYNC", timeout, status);
            }

            await Task.Delay(pollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Lower-case, fully qualified (trailing dot) form of a DNS name.</summary>
    public static string DnsName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var trimmed = name.Trim().ToLowerInvariant();
        return trimmed.EndsWith('.') ? trimmed : trimmed + ".";
    }

    private static string ZoneId(string zoneId) =>
        zoneId.Trim().Replace("/hostedzone/", string.Empty, StringComparison.Ordinal).Trim('/');

    private static string ChangeId(string changeId) =>
        changeId.Trim().Replace("/change/", string.Empty, StringComparison.Ordinal).Trim('/');

    private static DnsRecord ParseRecord(XElement set)
    {
        var values = set.Element(Ns + "ResourceRecords")?.Elements(Ns + "ResourceRecord").Select(r => r.Element(Ns + "Value")?.Value ?? string.Empty).ToList() ?? [];
        var alias = set.Element(Ns + "AliasTarget")?.Element(Ns + "DNSName")?.Value;
        if (values.Count == 0 && alias is not null)
        {
            values.Add(alias);
        }

        return new DnsRecord(set.Element(Ns + "Name")!.Value, set.Element(Ns + "Type")!.Value, values)
        {
            Ttl = long.TryParse(set.Element(Ns + "TTL")?.Value, CultureInfo.InvariantCulture, out var ttl) ? ttl : 0,
            SetIdentifier = set.Element(Ns + "SetIdentifier")?.Value,
            Weight = long.TryParse(set.Element(Ns + "Weight")?.Value, CultureInfo.InvariantCulture, out var weight) ? weight : null,
        };
    }

    /// <summary>Route 53's error document: ErrorResponse/Error/Code, Message; RequestId (also x-amzn-RequestId).</summary>
    internal static AwsServiceException ReadError(string operation, AwsResponse response)
    {
        var code = response.StatusCode.ToString();
        var message = "(no error document)";
        var requestId = response.Header("x-amzn-RequestId");
        try
        {
            if (response.Body.Length > 0)
            {
                var root = XDocument.Parse(response.Text).Root!;
                var error = root.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
                code = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value
                    ?? (root.Name.LocalName is not "ErrorResponse" and not "Error" ? root.Name.LocalName : code);
                message = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value
                    ?? string.Join("; ", root.Descendants().Where(e => e.Name.LocalName == "Message").Select(e => e.Value));
                requestId ??= root.Elements().FirstOrDefault(e => e.Name.LocalName == "RequestId")?.Value;
                var details = root.Descendants().Where(e => e.Name.LocalName == "Messages").SelectMany(m => m.Elements()).Select(m => m.Value).ToList();
                if (details.Count > 0)
                {
                    message = string.Join("; ", details);
                }
            }
        }
        catch (System.Xml.XmlException)
        {
            message = Truncate(response.Text);
        }

        return new AwsServiceException("route53", operation, code, message, requestId, response.StatusCode);
    }

    internal static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
