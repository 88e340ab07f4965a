using System.Security.Cryptography;
using System.Text.Json;
using Storytailor.Aws;
using Storytailor.Core;

namespace Storytailor.Deploy;

/// <summary>The artifact set Ci published for a commit: the manifest as stored, its SHA-256 and where it lives.</summary>
public sealed record PublishedArtifactSet(string Commit, string ManifestKey, string ManifestSha256, ArtifactManifest Manifest, byte[] ManifestBytes)
{
    /// <summary>"s3 key (sha256 abcdef123456…)", for messages.</summary>
    public string Describe() => $"{ManifestKey} (manifest sha256 {ManifestSha256[..12]}…, {Manifest.Packages.Count} package(s))";
}

/// <summary>A staging deployment that passed every test with one artifact set (commit + manifest digest).</summary>
public sealed record StagingPass(string Commit, string ManifestSha256, string Version, string DeploymentId, DateTimeOffset PassedAt)
{
    public string? RunId { get; init; }

    public string Describe() => $"passed staging as {Version} in deployment {DeploymentId} at {PassedAt:yyyy-MM-dd HH:mm:ss} UTC";
}

/// <summary>How publishing an artifact set ended; <see cref="Failures"/> empty means the set is in the bucket.</summary>
public sealed record ArtifactSetPublication(string Commit, string ManifestKey, string? ManifestSha256, int Uploaded, int AlreadyPresent, bool ManifestWasPresent, IReadOnlyList<string> Failures)
{
    public bool Passed => Failures.Count == 0 && ManifestSha256 is not null;
}

/// <summary>
/// Build once, promote the same bytes: Ci publishes the packaged zips (content-addressed, as the deployments upload
/// them) and the manifest under the commit (<c>builds/&lt;commit&gt;/manifest.json</c>); deployments of that commit
/// find the set, download and check it instead of rebuilding; a successful staging deployment records that the set
/// passed staging (<c>builds/&lt;commit&gt;/passed-staging/&lt;manifest sha256&gt;.json</c>), which production requires.
/// </summary>
public sealed class ArtifactPromotion(IArtifactStore store, ArtifactPublisher publisher, IBuildLog log)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The folder of a commit's artifact set in the bucket.</summary>
    public static string CommitPrefix(string commit) => $"builds/{RequireCommit(commit)}/";

    public static string ManifestKey(string commit) => CommitPrefix(commit) + "manifest.json";

    public static string StagingPassKey(string commit, string manifestSha256) => $"{CommitPrefix(commit)}passed-staging/{manifestSha256.Trim().ToLowerInvariant()}.json";

    /// <summary>SHA-256 (hex) of a manifest's bytes: the identity of an artifact set.</summary>
    public static string Digest(byte[] manifest) => Convert.ToHexStringLower(SHA256.HashData(manifest));

    /// <summary>
    /// Uploads every package of <c>&lt;artifactsRoot&gt;/manifest.json</c> (skipping those present with the same SHA-256)
    /// and then the manifest under the commit. A commit that already has the same manifest is "already published";
    /// one with a different manifest is a failure (the same commit built into different bytes: the build is not
    /// reproducible, and the set already promoted stays as it is).
    /// </summary>
    public async Task<ArtifactSetPublication> PublishAsync(string artifactsRoot, string commit, CancellationToken cancellationToken = default)
    {
        var key = ManifestKey(commit);
        var path = Path.Combine(artifactsRoot, "manifest.json");
        ArtifactManifest manifest;
        byte[] bytes;
        try
        {
            manifest = ArtifactManifest.Read(path);
            bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            return new ArtifactSetPublication(commit, key, null, 0, 0, false, [ex.Message]);
        }

        if (!string.Equals(manifest.GitCommit, commit, StringComparison.Ordinal))
        {
            return new ArtifactSetPublication(commit, key, null, 0, 0, false,
                [$"{path} was built from commit {manifest.GitCommit ?? "(none)"}, not {commit}: run Package on a checkout of {commit} first."]);
        }

        var uploads = await publisher.PublishAsync(artifactsRoot, cancellationToken).ConfigureAwait(false);
        if (!uploads.Passed)
        {
            return new ArtifactSetPublication(commit, key, null, uploads.Uploaded, uploads.Skipped, false, uploads.Failures);
        }

        var digest = Digest(bytes);
        try
        {
            if (await store.CreateAsync(key, bytes, cancellationToken).ConfigureAwait(false) is not null)
            {
                log.Information($"Artifacts of {commit} published: {key} (manifest sha256 {digest}); {uploads.Uploaded} package(s) uploaded, {uploads.Skipped} already present.");
                return new ArtifactSetPublication(commit, key, digest, uploads.Uploaded, uploads.Skipped, false, []);
            }

            var existing = await FindAsync(commit, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                return new ArtifactSetPublication(commit, key, null, uploads.Uploaded, uploads.Skipped, false, [$"{key} was reported as existing but could not be read back."]);
            }

            if (existing.ManifestSha256 == digest)
            {
                log.Information($"Artifacts of {commit} were already published with the same manifest ({key}, sha256 {digest}); nothing replaced.");
                return new ArtifactSetPublication(commit, key, digest, uploads.Uploaded, uploads.Skipped, true, []);
            }

            return new ArtifactSetPublication(commit, key, null, uploads.Uploaded, uploads.Skipped, true,
                [$"{key} already holds a different manifest for {commit} (sha256 {existing.ManifestSha256}, this build's is {digest}): the same commit was built into different bytes. The published set is kept; find out why the packages differ ({Differences(existing.Manifest, manifest)})."]);
        }
        catch (AwsServiceException ex)
        {
            return new ArtifactSetPublication(commit, key, null, uploads.Uploaded, uploads.Skipped, false, [$"publishing {key} failed: {ex.Message}"]);
        }
        catch (InvalidDataException ex)
        {
            return new ArtifactSetPublication(commit, key, null, uploads.Uploaded, uploads.Skipped, true, [ex.Message]);
        }
    }

    /// <summary>The set published for the commit, or null when there is none. A manifest that is broken or names another commit throws <see cref="InvalidDataException"/>.</summary>
    public async Task<PublishedArtifactSet?> FindAsync(string commit, CancellationToken cancellationToken = default)
    {
        var key = ManifestKey(commit);
        var content = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return null;
        }

        var manifest = ArtifactManifest.Parse(content.Content, $"s3 {key}");
        return string.Equals(manifest.GitCommit, commit, StringComparison.Ordinal)
            ? new PublishedArtifactSet(commit, key, Digest(content.Content), manifest, content.Content)
            : throw new InvalidDataException($"The manifest {key} names commit {manifest.GitCommit ?? "(none)"}, not {commit}: it cannot be deployed as {commit}'s artifacts.");
    }

    /// <summary>The record that this exact set passed staging, or null when it never did.</summary>
    public async Task<StagingPass?> StagingPassOfAsync(PublishedArtifactSet set, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        var key = StagingPassKey(set.Commit, set.ManifestSha256);
        var content = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return null;
        }

        StagingPass? pass;
        try
        {
            pass = JsonSerializer.Deserialize<StagingPass>(content.Content, Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The staging record {key} is not valid JSON: {ex.Message}", ex);
        }

        return pass is not null && pass.Commit == set.Commit && pass.ManifestSha256 == set.ManifestSha256
            ? pass
            : throw new InvalidDataException($"The staging record {key} does not name commit {set.Commit} and manifest {set.ManifestSha256}.");
    }

    /// <summary>Records that the set passed staging (kept when a record of an earlier pass of the same set exists).</summary>
    public async Task<string> RecordStagingPassAsync(PublishedArtifactSet set, StagingPass pass, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(pass);
        if (pass.Commit != set.Commit || pass.ManifestSha256 != set.ManifestSha256)
        {
            throw new ArgumentException($"The pass names {pass.Commit}/{pass.ManifestSha256}, not the set {set.Commit}/{set.ManifestSha256}.", nameof(pass));
        }

        var key = StagingPassKey(set.Commit, set.ManifestSha256);
        var created = await store.CreateAsync(key, JsonSerializer.SerializeToUtf8Bytes(pass, Json), cancellationToken).ConfigureAwait(false);
        log.Information(created is null
            ? $"The artifact set of {set.Commit} had already passed staging ({key}); the earlier record is kept."
            : $"Recorded that the artifact set of {set.Commit} (manifest sha256 {set.ManifestSha256[..12]}…) passed staging: {key}.");
        return key;
    }

    /// <summary>
    /// Downloads the set's zips into <paramref name="folder"/> with its manifest, checking every zip's bytes against the
    /// manifest (SHA-256 and CodeSha256) and the object's recorded SHA-256. Returns the folder, ready to deploy.
    /// </summary>
    public async Task<string> DownloadAsync(PublishedArtifactSet set, string folder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        var problems = new List<string>();
        foreach (var package in set.Manifest.Packages)
        {
            var key = ArtifactPublisher.KeyFor(package.Name, package.Sha256);
            var content = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (content is null)
            {
                problems.Add($"{package.Name}: {key} is missing from the bucket");
                continue;
            }

            var hash = SHA256.HashData(content.Content);
            var sha = Convert.ToHexStringLower(hash);
            var code = Convert.ToBase64String(hash);
            if (sha != package.Sha256 || code != package.CodeSha256 || !string.Equals(content.Info.Sha256, package.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{package.Name}: {key} holds SHA-256 {sha} (CodeSha256 {code}, recorded {content.Info.Sha256 ?? "none"}), but the manifest says {package.Sha256} (CodeSha256 {package.CodeSha256})");
                continue;
            }

            var path = Path.GetFullPath(Path.Combine(folder, package.FileName));
            if (!path.StartsWith(Path.GetFullPath(folder) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                problems.Add($"{package.Name}: the manifest's file name {package.FileName} leaves the artifacts folder");
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, content.Content, cancellationToken).ConfigureAwait(false);
            log.Information($"{package.Name}@{package.Version}: {key} downloaded, CodeSha256 {code} as the manifest says.");
        }

        if (problems.Count > 0)
        {
            throw new InvalidDataException($"The artifact set {set.ManifestKey} cannot be deployed: {string.Join("; ", problems)}.");
        }

        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, "manifest.json"), set.ManifestBytes, cancellationToken).ConfigureAwait(false);
        return folder;
    }

    private static string Differences(ArtifactManifest published, ArtifactManifest built)
    {
        var before = published.Packages.ToDictionary(p => p.Name, p => p.Sha256, StringComparer.Ordinal);
        var changed = built.Packages
            .Where(p => !before.TryGetValue(p.Name, out var sha) || sha != p.Sha256)
            .Select(p => before.TryGetValue(p.Name, out var sha) ? $"{p.Name}: published {sha[..12]}…, built {p.Sha256[..12]}…" : $"{p.Name}: not in the published set")
            .Concat(published.Packages.Where(p => built.Packages.All(b => b.Name != p.Name)).Select(p => $"{p.Name}: not built now"))
            .ToList();
        return changed.Count == 0 ? "the packages are the same; the manifests differ otherwise" : string.Join(", ", changed);
    }

    private static string RequireCommit(string commit)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commit);
        var trimmed = commit.Trim();
        return trimmed.Length == 40 && trimmed.All(Uri.IsHexDigit)
            ? trimmed.ToLowerInvariant()
            : throw new ArgumentException($"'{commit}' is not a full git commit id (40 hex digits).", nameof(commit));
    }
}
