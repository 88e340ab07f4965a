using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Storytailor.FakeAws;

/// <summary>A stored S3 object.</summary>
public sealed record FakeS3Object(string Key, byte[] Content, string ETag, DateTimeOffset LastModified, string ContentType, IReadOnlyDictionary<string, string> Metadata);

/// <summary>S3 (path-style): buckets, objects with ETags, conditional writes and deletes, ListObjectsV2 with pagination.</summary>
public sealed class FakeS3(FakeAwsServer server) : FakeService(server)
{
    private readonly ConcurrentDictionary<string, SortedDictionary<string, FakeS3Object>> _buckets = new(StringComparer.Ordinal);

    public override string Name => "s3";

    public void CreateBucket(string bucket) => _buckets.TryAdd(bucket, new SortedDictionary<string, FakeS3Object>(StringComparer.Ordinal));

    public FakeS3Object? Object(string bucket, string key)
    {
        if (!_buckets.TryGetValue(bucket, out var objects))
        {
            return null;
        }

        lock (objects)
        {
            return objects.TryGetValue(key, out var found) ? found : null;
        }
    }

    public IReadOnlyList<string> Keys(string bucket)
    {
        var objects = _buckets[bucket];
        lock (objects)
        {
            return [.. objects.Keys];
        }
    }

    internal override string OperationOf(FakeRequest request)
    {
        var segments = request.Segments;
        var hasKey = segments.Count > 1;
        return (request.Method, hasKey) switch
        {
            ("PUT", true) when request.Header("x-amz-copy-source") is null => "PutObject",
            ("GET", true) => "GetObject",
            ("HEAD", true) => "HeadObject",
            ("DELETE", true) => "DeleteObject",
            ("GET", false) when request.Query.TryGetValue("list-type", out var type) && type == "2" => "ListObjectsV2",
            ("PUT", false) when segments.Count == 1 && request.Query.Count == 0 => "CreateBucket",
            ("HEAD", false) => "HeadBucket",
            _ => "Unsupported",
        };
    }

    internal override bool IsMutating(string operation) => operation is "PutObject" or "DeleteObject" or "CreateBucket";

    internal override void AddRequestIdHeaders(IHeaderDictionary headers, string requestId)
    {
        headers["x-amz-request-id"] = requestId;
        headers["x-amz-id-2"] = Convert.ToBase64String(Encoding.ASCII.GetBytes(requestId));
    }

    internal override FakeResponse SignatureError(SignatureCheck check, string requestId) =>
        Error(check.ErrorCode == "XAmzContentSHA256Mismatch" ? 400 : 403, check.ErrorCode, check.Message, requestId);

    internal override FakeResponse ThrottleError(FakeRequest request, string requestId) => Error(503, "SlowDown", "Please reduce your request rate.", requestId);

    internal override FakeResponse ServerError(FakeRequest request, string requestId) => Error(500, "InternalError", "We encountered an internal error. Please try again.", requestId);

    internal override FakeResponse Handle(string operation, FakeRequest request, string requestId)
    {
        var segments = request.Segments;
        var bucket = segments.Count > 0 ? segments[0] : string.Empty;
        if (operation == "CreateBucket")
        {
            CreateBucket(bucket);
            return FakeResponse.Empty(200).With("Location", "/" + bucket);
        }

        if (operation == "Unsupported")
        {
            return Error(501, "NotImplemented", $"The fake S3 does not implement {request.Method} {request.RawPath}?{request.RawQuery}", requestId);
        }

        if (!_buckets.TryGetValue(bucket, out var objects))
        {
            return Error(404, "NoSuchBucket", "The specified bucket does not exist", requestId);
        }

        if (operation == "HeadBucket")
        {
            return FakeResponse.Empty(200);
        }

        var key = string.Join('/', request.RawPath.TrimStart('/').Split('/').Skip(1).Select(Uri.UnescapeDataString));
        lock (objects)
        {
            objects.TryGetValue(key, out var existing);
            switch (operation)
            {
                case "PutObject":
                    return Put(objects, key, existing, request, requestId);
                case "GetObject":
                case "HeadObject":
                    return existing is null
                        ? Error(404, "NoSuchKey", "The specified key does not exist.", requestId)
                        : Describe(existing, operation == "GetObject");
                case "DeleteObject":
                    return Delete(objects, key, existing, request, requestId);
                case "ListObjectsV2":
                    return List(bucket, objects, request);
                default:
                    return Error(501, "NotImplemented", operation, requestId);
            }
        }
    }

    private FakeResponse Put(SortedDictionary<string, FakeS3Object> objects, string key, FakeS3Object? existing, FakeRequest request, string requestId)
    {
        if (request.Header("If-None-Match") is { } noneMatch && noneMatch.Trim() == "*" && existing is not null)
        {
            return Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", requestId).With("Condition", "If-None-Match");
        }

        if (request.Header("If-Match") is { } match)
        {
            if (existing is null)
            {
                return Error(404, "NoSuchKey", "The specified key does not exist.", requestId);
            }

            if (match.Trim() != existing.ETag && match.Trim() != "*")
            {
                return Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", requestId).With("Condition", "If-Match");
            }
        }

        var etag = "\"" + Convert.ToHexStringLower(MD5.HashData(request.Body)) + "\"";
        var metadata = request.Headers.Where(h => h.Key.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key["x-amz-meta-".Length..].ToLowerInvariant(), h => h.Value, StringComparer.Ordinal);
        objects[key] = new FakeS3Object(key, request.Body, etag, Server.Clock(), request.Header("Content-Type") ?? "binary/octet-stream", metadata);
        return FakeResponse.Empty(200).With("ETag", etag);
    }

    /// <summary>DELETE, with If-Match as S3 evaluates it: 404 when the object is gone, 412 when its ETag differs, else deleted.</summary>
    private static FakeResponse Delete(SortedDictionary<string, FakeS3Object> objects, string key, FakeS3Object? existing, FakeRequest request, string requestId)
    {
        if (request.Header("If-Match") is { } match)
        {
            if (existing is null)
            {
                return Error(404, "NoSuchKey", "The specified key does not exist.", requestId);
            }

            if (match.Trim() != existing.ETag && match.Trim() != "*")
            {
                return Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", requestId).With("Condition", "If-Match");
            }
        }

        objects.Remove(key);
        return FakeResponse.Empty(204);
    }

    private static FakeResponse Describe(FakeS3Object found, bool withBody)
    {
        var response = new FakeResponse(200, found.ContentType, withBody ? found.Content : [])
            .With("ETag", found.ETag)
            .With("Last-Modified", found.LastModified.UtcDateTime.ToString("R", CultureInfo.InvariantCulture))
            .With("Accept-Ranges", "bytes");
        if (!withBody)
        {
            response.Headers["Content-Length"] = found.Content.Length.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (name, value) in found.Metadata)
        {
            response.Headers["x-amz-meta-" + name] = value;
        }

        return response;
    }

    private static FakeResponse List(string bucket, SortedDictionary<string, FakeS3Object> objects, FakeRequest request)
    {
        var prefix = request.Query.GetValueOrDefault("prefix") ?? string.Empty;
        var maxKeys = int.TryParse(request.Query.GetValueOrDefault("max-keys"), CultureInfo.InvariantCulture, out var max) ? Math.Clamp(max, 0, 1000) : 1000;
        var token = request.Query.GetValueOrDefault("continuation-token");
        var startAfter = token is not null ? Encoding.UTF8.GetString(Convert.FromBase64String(token)) : request.Query.GetValueOrDefault("start-after");
        var urlEncode = request.Query.GetValueOrDefault("encoding-type") == "url";
        string Out(string text) => urlEncode ? string.Join('/', text.Split('/').Select(Uri.EscapeDataString)) : Escape(text);

        var matching = objects.Values.Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal) && (startAfter is null || string.CompareOrdinal(o.Key, startAfter) > 0)).ToList();
        var page = matching.Take(maxKeys).ToList();
        var truncated = matching.Count > page.Count;
        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
        xml.Append(CultureInfo.InvariantCulture, $"<Name>{Escape(bucket)}</Name><Prefix>{Out(prefix)}</Prefix><KeyCount>{page.Count}</KeyCount><MaxKeys>{maxKeys}</MaxKeys>");
        if (urlEncode)
        {
            xml.Append("<EncodingType>url</EncodingType>");
        }

        xml.Append(CultureInfo.InvariantCulture, $"<IsTruncated>{(truncated ? "true" : "false")}</IsTruncated>");
        if (token is not null)
        {
            xml.Append(CultureInfo.InvariantCulture, $"<ContinuationToken>{Escape(token)}</ContinuationToken>");
        }

        if (truncated)
        {
            xml.Append(CultureInfo.InvariantCulture, $"<NextContinuationToken>{Convert.ToBase64String(Encoding.UTF8.GetBytes(page[^1].Key))}</NextContinuationToken>");
        }

        foreach (var item in page)
        {
            xml.Append(CultureInfo.InvariantCulture, $"<Contents><Key>{Out(item.Key)}</Key><LastModified>{item.LastModified.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}</LastModified><ETag>{Escape(item.ETag)}</ETag><Size>{item.Content.Length}</Size><StorageClass>STANDARD</StorageClass></Contents>");
        }

        xml.Append("</ListBucketResult>");
        return FakeResponse.Xml(200, xml.ToString()).With("Content-Type", "application/xml");
    }

    private static FakeResponse Error(int status, string code, string message, string requestId) =>
        FakeResponse.Xml(status, $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{Escape(message)}</Message><RequestId>{requestId}</RequestId><HostId>{Convert.ToBase64String(Encoding.ASCII.GetBytes(requestId))}</HostId></Error>")
            .With("Content-Type", "application/xml");
}
