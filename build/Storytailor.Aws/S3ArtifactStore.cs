using System.Net;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Polly;
using Storytailor.Core;

namespace Storytailor.Aws;

/// <summary>The artifact store on an S3 bucket, through AWSSDK.S3.</summary>
public sealed class S3ArtifactStore : IArtifactStore
{
    /// <summary>Object metadata key holding the artifact's SHA-256 (hex).</summary>
    public const string Sha256MetadataKey = "sha256";

    /// <summary>The IAM actions this adapter needs, per operation it calls.</summary>
    public static IReadOnlyDictionary<string, string> Operations { get; } = new Dictionary<string, string>
    {
        ["GetObject"] = "s3:GetObject",
        ["HeadObject"] = "s3:GetObject",
        ["PutObject"] = "s3:PutObject",
        ["DeleteObject"] = "s3:DeleteObject",
        ["ListObjectsV2"] = "s3:ListBucket",
    };

    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly IBuildLog _log;
    private readonly ResiliencePipeline _retry;

    public S3ArtifactStore(IAmazonS3 s3, string bucket, AwsSettings settings, IBuildLog log)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrWhiteSpace(bucket);
        _s3 = s3;
        _bucket = bucket;
        _log = log;
        _retry = AwsRequestSender.BuildRetry(settings, log, "s3");
    }

    public string Bucket => _bucket;

    public async Task<ArtifactPutResult> PutFileIfAbsentAsync(string key, string path, string sha256, CancellationToken cancellationToken = default)
    {
        await using var file = File.OpenRead(path);
        return await PutIfAbsentAsync(key, file, sha256, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ArtifactPutResult> PutIfAbsentAsync(string key, Stream content, string sha256, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var expected = sha256.Trim().ToLowerInvariant();
        var bytes = await ReadAllAsync(content, cancellationToken).ConfigureAwait(false);
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (actual != expected)
        {
            throw new ArgumentException($"The content for '{key}' hashes to SHA-256 {actual}, not the declared {expected}.", nameof(sha256));
        }

        var existing = await HeadAsync(key, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return Existing(key, existing, expected);
        }

        var created = await PutAsync("PutObject", key, bytes, expected, ifNoneMatch: true, ifMatch: null, cancellationToken).ConfigureAwait(false);
        if (created is null)
        {
            // Someone else uploaded it between our HEAD and PUT: compare again.
            var raced = await HeadAsync(key, cancellationToken).ConfigureAwait(false)
                ?? throw new AwsServiceException("s3", "PutObject", "PreconditionFailed", $"'{key}' was reported as existing but is gone", null, HttpStatusCode.PreconditionFailed);
            return Existing(key, raced, expected);
        }

        _log.Information($"s3: uploaded s3://{_bucket}/{key} ({bytes.Length} bytes)");
        return new ArtifactPutResult(key, ArtifactPutOutcome.Uploaded, expected);
    }

    public async Task<ArtifactContent?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            return await CallAsync("GetObject", key, async token =>
            {
                using var response = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = key }, token).ConfigureAwait(false);
                var bytes = await ReadAllAsync(response.ResponseStream, token).ConfigureAwait(false);
                var info = new ArtifactInfo(key, response.ContentLength, Unquote(response.ETag), ToOffset(response.LastModified), response.Metadata[Sha256MetadataKey]);
                return new ArtifactContent(info, bytes);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode is "NoSuchKey" or "NotFound")
        {
            return null;
        }
    }

    public async Task<ArtifactInfo?> HeadAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            return await CallAsync("HeadObject", key, async token =>
            {
                var response = await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = key }, token).ConfigureAwait(false);
                return new ArtifactInfo(key, response.ContentLength, Unquote(response.ETag), ToOffset(response.LastModified), response.Metadata[Sha256MetadataKey]);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode is "NoSuchKey" or "NotFound")
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<ArtifactInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var all = new List<ArtifactInfo>();
        string? token = null;
        do
        {
            var page = await CallAsync("ListObjectsV2", prefix, t => _s3.ListObjectsV2Async(
                new ListObjectsV2Request { BucketName = _bucket, Prefix = prefix, ContinuationToken = token }, t), cancellationToken).ConfigureAwait(false);
            all.AddRange((page.S3Objects ?? []).Select(o => new ArtifactInfo(o.Key, o.Size ?? 0, Unquote(o.ETag), ToOffset(o.LastModified), null)));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        _log.Verbose($"s3: {all.Count} objects under s3://{_bucket}/{prefix}");
        return all;
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        await CallAsync("DeleteObject", key, t => _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = key }, t), cancellationToken).ConfigureAwait(false);
        _log.Information($"s3: deleted s3://{_bucket}/{key}");
    }

    public async Task DeleteIfMatchAsync(string key, string etag, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(etag);
        try
        {
            await CallAsync("DeleteObject", key, t => _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = key, IfMatch = Quote(etag) }, t), cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            // S3 answers 412 when the ETag differs, 404 when the object is gone, 409 when a concurrent write won.
            _log.Warning($"s3: s3://{_bucket}/{key} changed since it was read; not deleted ({ex.ErrorCode})");
            throw new ArtifactPreconditionFailedException(key, ex);
        }

        _log.Information($"s3: deleted s3://{_bucket}/{key} (ETag {etag.Trim('"')})");
    }

    public async Task<string?> CreateAsync(string key, byte[] content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        var etag = await PutAsync("PutObject", key, content, sha, ifNoneMatch: true, ifMatch: null, cancellationToken).ConfigureAwait(false);
        _log.Information(etag is null ? $"s3: s3://{_bucket}/{key} already exists; not created" : $"s3: created s3://{_bucket}/{key}");
        return etag;
    }

    public async Task<string> ReplaceAsync(string key, byte[] content, string etag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        try
        {
            var written = await PutAsync("PutObject", key, content, sha, ifNoneMatch: false, ifMatch: etag, cancellationToken).ConfigureAwait(false);
            _log.Information($"s3: replaced s3://{_bucket}/{key}");
            return written ?? throw new InvalidOperationException("unreachable: a conditional replace never reports 'exists'");
        }
        catch (AwsServiceException ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            _log.Warning($"s3: s3://{_bucket}/{key} changed since it was read; not replaced ({ex.ErrorCode})");
            throw new ArtifactPreconditionFailedException(key, ex);
        }
    }

    /// <summary>PUT with optional conditions. Returns the ETag, or null on 412 for If-None-Match.</summary>
    private async Task<string?> PutAsync(string operation, string key, byte[] bytes, string sha256, bool ifNoneMatch, string? ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            return await CallAsync(operation, key, async token =>
            {
                using var body = new MemoryStream(bytes, writable: false);
                // Whole-payload signing instead of aws-chunked: S3 accepts both; emulators (s3rver) store aws-chunked framing verbatim.
                var request = new PutObjectRequest { BucketName = _bucket, Key = key, InputStream = body, AutoCloseStream = false, UseChunkEncoding = false };
                request.Metadata[Sha256MetadataKey] = sha256;
                if (ifNoneMatch)
                {
                    request.IfNoneMatch = "*";
                }

                if (ifMatch is not null)
                {
                    request.IfMatch = Quote(ifMatch);
                }

                var response = await _s3.PutObjectAsync(request, token).ConfigureAwait(false);
                return Unquote(response.ETag);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ifNoneMatch && ex.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            return null;
        }
    }

    private ArtifactPutResult Existing(string key, ArtifactInfo existing, string expected)
    {
        if (!string.Equals(existing.Sha256, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArtifactChecksumMismatchException(key, expected, existing.Sha256);
        }

        _log.Information($"s3: s3://{_bucket}/{key} already uploaded with the same SHA-256; skipped");
        return new ArtifactPutResult(key, ArtifactPutOutcome.Skipped, expected);
    }

    private async Task<T> CallAsync<T>(string operation, string resource, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        _log.Verbose($"s3 {operation} s3://{_bucket}/{resource}");
        try
        {
            return await _retry.ExecuteAsync(
                async token =>
                {
                    try
                    {
                        return await call(token).ConfigureAwait(false);
                    }
                    catch (AmazonS3Exception ex)
                    {
                        throw Translate(operation, ex);
                    }
                    catch (AmazonServiceException ex)
                    {
                        throw new AwsServiceException("s3", operation, ex.ErrorCode ?? ex.StatusCode.ToString(), ex.Message, ex.RequestId, ex.StatusCode, ex);
                    }
                    catch (HttpRequestException ex)
                    {
                        throw new AwsServiceException("s3", operation, "NetworkError", ex.Message, null, null, ex);
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonClientException ex)
        {
            throw new AwsServiceException("s3", operation, "ClientError", ex.Message, null, null, ex);
        }
    }

    private static AwsServiceException Translate(string operation, AmazonS3Exception ex)
    {
        // HEAD answers have no body, so S3 errors on them carry only a status.
        var code = !string.IsNullOrEmpty(ex.ErrorCode) ? ex.ErrorCode
            : ex.StatusCode switch
            {
                HttpStatusCode.NotFound => "NotFound",
                HttpStatusCode.Forbidden => "AccessDenied",
                HttpStatusCode.PreconditionFailed => "PreconditionFailed",
                HttpStatusCode.ServiceUnavailable => "SlowDown",
                _ => ex.StatusCode.ToString(),
            };
        return new AwsServiceException("s3", operation, code, ex.Message, ex.RequestId, ex.StatusCode, ex);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private static string Unquote(string? etag) => (etag ?? string.Empty).Trim('"');

    private static string Quote(string etag) => etag.StartsWith('"') ? etag : $"\"{etag}\"";

    private static DateTimeOffset ToOffset(DateTime? value) =>
        value is { } v ? new DateTimeOffset(v.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : v.ToUniversalTime()) : DateTimeOffset.MinValue;
}
