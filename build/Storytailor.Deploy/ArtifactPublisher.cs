using System.Text.Json;
using Storytailor.Aws;
using Storytailor.Core;

namespace Storytailor.Deploy;

/// <summary>One package of artifacts/manifest.json (written by the Package stage).</summary>
public sealed record ManifestPackage(string Name, string Version, string Sha256, string CodeSha256, string FileName)
{
    public long Size { get; init; }

    public string? GitCommit { get; init; }
}

/// <summary>artifacts/manifest.json.</summary>
public sealed record ArtifactManifest(string? GitCommit, IReadOnlyList<ManifestPackage> Packages)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Reads the manifest; throws <see cref="InvalidDataException"/> naming the file and the problem.</summary>
    public static ArtifactManifest Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"No artifact manifest at {path}; run the Package stage first.");
        }

        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads a manifest's bytes (<paramref name="source"/> names them in messages); throws <see cref="InvalidDataException"/>.</summary>
    public static ArtifactManifest Parse(byte[] content, string source)
    {
        var path = source;
        ArtifactManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ArtifactManifest>(content, Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The artifact manifest {path} is not valid JSON: {ex.Message}", ex);
        }

        if (manifest?.Packages is null || manifest.Packages.Count == 0)
        {
            throw new InvalidDataException($"The artifact manifest {path} lists no packages.");
        }

        var broken = manifest.Packages
            .Where(p => string.IsNullOrWhiteSpace(p.Name) || string.IsNullOrWhiteSpace(p.FileName) || p.Sha256 is not { Length: 64 } || string.IsNullOrWhiteSpace(p.CodeSha256))
            .Select(p => p.Name ?? "(no name)")
            .ToList();
        return broken.Count == 0
            ? manifest
            : throw new InvalidDataException($"The artifact manifest {path} has incomplete entries (name, fileName, sha256 of 64 hex digits and codeSha256 are required): {string.Join(", ", broken)}.");
    }
}

public sealed record PublishedArtifact(string Name, string Version, string Key, string Sha256, string CodeSha256, ArtifactPutOutcome Outcome);

public sealed record PublishResult(IReadOnlyList<PublishedArtifact> Artifacts, IReadOnlyList<string> Failures)
{
    public bool Passed => Failures.Count == 0 && Artifacts.Count > 0;

    public int Uploaded => Artifacts.Count(a => a.Outcome == ArtifactPutOutcome.Uploaded);

    public int Skipped => Artifacts.Count(a => a.Outcome == ArtifactPutOutcome.Skipped);
}

/// <summary>One function's code check after Terraform applied.</summary>
public sealed record FunctionCheck(string FunctionName, string ExpectedCodeSha256, string? ActualCodeSha256, bool Passed, string Message);

public sealed record FunctionVerificationResult(IReadOnlyList<FunctionCheck> Functions)
{
    public bool Passed => Functions.Count > 0 && Functions.All(f => f.Passed);

    public IReadOnlyList<string> Failures => [.. Functions.Where(f => !f.Passed).Select(f => f.Message)];
}

/// <summary>
/// Uploads the packaged Lambda zips under content-addressed keys and, after Terraform applied, checks
/// that every function runs exactly the uploaded code.
/// </summary>
public sealed class ArtifactPublisher(IArtifactStore store, IFunctionRegistry functions, IBuildLog log)
{
    /// <summary>The store key of a package: artifacts/&lt;name without scope slash&gt;/&lt;sha256&gt;.zip.</summary>
    public static string KeyFor(string packageName, string sha256)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(packageName);
        var name = packageName.TrimStart('@').Replace('/', '-');
        return $"artifacts/{name}/{sha256.Trim().ToLowerInvariant()}.zip";
    }

    /// <summary>
    /// Uploads every package of <c>&lt;artifactsRoot&gt;/manifest.json</c>; a key already holding the same
    /// SHA-256 is skipped. Every failure is collected (missing file, file changed since packaging, a key
    /// holding different content, store errors).
    /// </summary>
    public async Task<PublishResult> PublishAsync(string artifactsRoot, CancellationToken cancellationToken = default)
    {
        ArtifactManifest manifest;
        try
        {
            manifest = ArtifactManifest.Read(ArtifactPaths.ManifestIn(artifactsRoot));
        }
        catch (InvalidDataException ex)
        {
            log.Error($"Upload could not run: {ex.Message}");
            return new PublishResult([], [$"Upload could not run: {ex.Message}"]);
        }

        var published = new List<PublishedArtifact>();
        var failures = new List<string>();
        foreach (var package in manifest.Packages)
        {
            var path = Path.Combine(artifactsRoot, package.FileName);
            var key = KeyFor(package.Name, package.Sha256);
            try
            {
                if (!File.Exists(path))
                {
                    failures.Add($"{package.Name}: the package file {path} listed in the manifest is missing.");
                    continue;
                }

                var result = await store.PutFileIfAbsentAsync(key, path, package.Sha256, cancellationToken).ConfigureAwait(false);
                published.Add(new PublishedArtifact(package.Name, package.Version, key, package.Sha256, package.CodeSha256, result.Outcome));
                log.Information($"{package.Name}@{package.Version}: {(result.Outcome == ArtifactPutOutcome.Uploaded ? "uploaded" : "already present, skipped")} {key}");
            }
            catch (ArgumentException ex)
            {
                failures.Add($"{package.Name}: {path} does not match the manifest's SHA-256 {package.Sha256} (rebuilt after packaging?): {ex.Message}");
            }
            catch (ArtifactChecksumMismatchException ex)
            {
                failures.Add($"{package.Name}: {ex.Message}");
            }
            catch (AwsServiceException ex)
            {
                failures.Add($"{package.Name}: upload to {key} failed: {ex.Message}");
            }
        }

        foreach (var failure in failures)
        {
            log.Error(failure);
        }

        return new PublishResult(published, failures);
    }

    /// <summary>
    /// Maps function names to the CodeSha256 they must run, from the manifest and a function → package map
    /// (e.g. "storytailor-prod-green-router" → "@storytailor/router"). Throws naming unknown packages.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ExpectedCode(ArtifactManifest manifest, IReadOnlyDictionary<string, string> functionToPackage)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(functionToPackage);
        var byName = manifest.Packages.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var unknown = functionToPackage.Where(p => !byName.ContainsKey(p.Value)).Select(p => $"{p.Key} → {p.Value}").ToList();
        return unknown.Count == 0
            ? functionToPackage.ToDictionary(p => p.Key, p => byName[p.Value].CodeSha256, StringComparer.Ordinal)
            : throw new InvalidDataException($"These functions name packages that are not in the manifest: {string.Join(", ", unknown)}.");
    }

    /// <summary>
    /// Waits for each function's update to finish and compares its CodeSha256 with the artifact's. Every
    /// function is checked; each failure names the function and both hashes.
    /// </summary>
    public async Task<FunctionVerificationResult> VerifyFunctionsAsync(IReadOnlyDictionary<string, string> expectedCodeSha256, TimeSpan timeout, TimeSpan pollInterval, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(expectedCodeSha256);
        var checks = new List<FunctionCheck>();
        foreach (var (name, expected) in expectedCodeSha256.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            checks.Add(await VerifyAsync(name, expected, timeout, pollInterval, cancellationToken).ConfigureAwait(false));
        }

        if (checks.Count == 0)
        {
            checks.Add(new FunctionCheck("(none)", string.Empty, null, false, "No functions to verify: the function → artifact map is empty."));
        }

        foreach (var check in checks)
        {
            if (check.Passed)
            {
                log.Information(check.Message);
            }
            else
            {
                log.Error(check.Message);
            }
        }

        return new FunctionVerificationResult(checks);
    }

    private async Task<FunctionCheck> VerifyAsync(string name, string expected, TimeSpan timeout, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        try
        {
            var configuration = await functions.WaitForUpdateAsync(name, timeout, pollInterval, cancellationToken).ConfigureAwait(false);
            return string.Equals(configuration.CodeSha256, expected, StringComparison.Ordinal)
                ? new FunctionCheck(name, expected, configuration.CodeSha256, true, $"{name}: runs CodeSha256 {expected}, the artifact's.")
                : new FunctionCheck(name, expected, configuration.CodeSha256, false, $"{name}: runs CodeSha256 {configuration.CodeSha256}, but the artifact's is {expected}; the deployment stops.");
        }
        catch (FunctionUpdateFailedException ex)
        {
            return new FunctionCheck(name, expected, null, false, $"{name}: {ex.Message}");
        }
        catch (AwsWaitTimeoutException ex)
        {
            return new FunctionCheck(name, expected, null, false, $"{name}: {ex.Message}");
        }
        catch (AwsServiceException ex)
        {
            return new FunctionCheck(name, expected, null, false, $"{name}: could not read its configuration: {ex.Message}");
        }
    }
}
