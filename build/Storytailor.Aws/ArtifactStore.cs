namespace Storytailor.Aws;

/// <summary>Whether a content-addressed artifact was sent or was already there.</summary>
public enum ArtifactPutOutcome
{
    Uploaded,
    Skipped,
}

public sealed record ArtifactPutResult(string Key, ArtifactPutOutcome Outcome, string Sha256);

/// <summary>An object's metadata: size, ETag (quotes removed), time and the SHA-256 recorded at upload.</summary>
public sealed record ArtifactInfo(string Key, long Size, string ETag, DateTimeOffset LastModified, string? Sha256);

public sealed record ArtifactContent(ArtifactInfo Info, byte[] Content);

/// <summary>
/// The bucket the pipeline keeps build artifacts, the deployment lock and the ledger in.
/// </summary>
public interface IArtifactStore
{
    /// <summary>
    /// Uploads a content-addressed artifact unless the key already holds the same SHA-256 ("skipped").
    /// A different checksum under the same key throws <see cref="ArtifactChecksumMismatchException"/>;
    /// content that does not hash to <paramref name="sha256"/> throws <see cref="ArgumentException"/>.
    /// </summary>
    Task<ArtifactPutResult> PutIfAbsentAsync(string key, Stream content, string sha256, CancellationToken cancellationToken = default);

    /// <summary>Same as the stream overload, reading a file.</summary>
    Task<ArtifactPutResult> PutFileIfAbsentAsync(string key, string path, string sha256, CancellationToken cancellationToken = default);

    /// <summary>The object and its content, or null when the key does not exist.</summary>
    Task<ArtifactContent?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>The object's metadata, or null when the key does not exist.</summary>
    Task<ArtifactInfo?> HeadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Every object under the prefix, following pagination, in key order.</summary>
    Task<IReadOnlyList<ArtifactInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes the key (no error when it does not exist, as S3).</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the object only if its ETag is still <paramref name="etag"/> (If-Match on DeleteObject), in one request:
    /// no other writer can slip in between a check and the delete. Throws <see cref="ArtifactPreconditionFailedException"/>
    /// when the object changed or vanished; nothing is deleted then.
    /// </summary>
    Task DeleteIfMatchAsync(string key, string etag, CancellationToken cancellationToken = default);

    /// <summary>Creates the object only if the key is free (If-None-Match: *). Returns its ETag, or null when the key already exists.</summary>
    Task<string?> CreateAsync(string key, byte[] content, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the object only if its ETag is still <paramref name="etag"/> (If-Match). Returns the new ETag;
    /// throws <see cref="ArtifactPreconditionFailedException"/> when the object changed or vanished.
    /// </summary>
    Task<string> ReplaceAsync(string key, byte[] content, string etag, CancellationToken cancellationToken = default);
}
