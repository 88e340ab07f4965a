using Storytailor.Aws;
using Storytailor.Core;
using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>Where a deployment's artifacts come from.</summary>
public enum ArtifactOrigin
{
    /// <summary>The set Ci published for the commit: downloaded and checked, not rebuilt.</summary>
    Published,

    /// <summary>No set published for the commit (first adoption, a local run): Package builds them in this run.</summary>
    BuiltHere,
}

/// <summary>
/// The artifacts of one deployment run: the set Ci published for the checked-out commit (and whether it passed
/// staging), or the ones this run builds, with the reason. <see cref="Folder"/> holds (or will hold) the manifest and zips.
/// </summary>
public sealed record ArtifactSource(ArtifactOrigin Origin, string? Commit, string Bucket, string Folder)
{
    public PublishedArtifactSet? Set { get; init; }

    public StagingPass? StagingPass { get; init; }

    /// <summary>Why the artifacts are built here (no published set, no commit, uncommitted changes).</summary>
    public string? WhyBuiltHere { get; init; }

    public string Describe() => Origin == ArtifactOrigin.Published
        ? $"Artifacts: promoted from Ci, s3://{Bucket}/{Set!.Describe()}; deployed as published (each zip checked against the manifest), not rebuilt."
        : $"Artifacts: built by this run (Package), because {WhyBuiltHere}.";

    /// <summary>Whether the set passed staging, in words.</summary>
    public string StagingLine() => StagingPass is { } pass
        ? $"Staging: this artifact set {pass.Describe()}."
        : Origin == ArtifactOrigin.Published
            ? $"Staging: this artifact set (manifest sha256 {Set!.ManifestSha256[..12]}…) has NOT passed staging."
            : "Staging: artifacts built by this run have NOT passed staging.";

    /// <summary>Where the artifacts come from, for the ledger's preflight step.</summary>
    public string OriginFact() => Origin == ArtifactOrigin.Published
        ? $"artifacts promoted from Ci: {Set!.ManifestKey} (manifest sha256 {Set.ManifestSha256})"
        : $"artifacts built by this run ({WhyBuiltHere})";

    /// <summary>The fact a production ledger's preflight step records: where the artifacts come from and whether they passed staging.</summary>
    public string LedgerFact(bool skipTests, string? skipReason)
    {
        var origin = OriginFact();
        var staging = StagingPass is { } pass ? pass.Describe() : skipTests ? $"NOT passed staging; deployed with --skip-tests: {skipReason}" : "not passed staging";
        return $"{origin}; {staging}";
    }

    /// <summary>
    /// DeployProduction of a set that has not passed staging: the refusal (null when it passed, or when --skip-tests
    /// with its reason overrides it).
    /// </summary>
    public string? ProductionRefusal(bool skipTests)
    {
        if (StagingPass is not null || skipTests)
        {
            return null;
        }

        var what = Origin == ArtifactOrigin.Published
            ? $"The artifact set of {Commit} ({Set!.ManifestKey}, manifest sha256 {Set.ManifestSha256[..12]}…) has not passed staging"
            : $"No artifact set that passed staging exists for this checkout ({WhyBuiltHere})";
        return $"{what}: DeployProduction promotes only what passed staging, and changed nothing. Deploy the commit to staging first (gh workflow run staging-deploy.yml --ref <tag>), or in an emergency pass --skip-tests --reason=\"...\" (recorded in the ledger).";
    }
}

/// <summary>The checked-out commit of the app's repository, and whether tracked files differ from it.</summary>
public sealed record CheckedOutCommit(string? Commit, IReadOnlyList<string> Changed)
{
    /// <summary>Null when the artifacts built here are exactly the commit's; otherwise why they are not.</summary>
    public string? NotTheCommit => Commit is null
        ? "the app is not a git checkout with a commit"
        : Changed.Count > 0
            ? $"the checkout of {Commit} has uncommitted changes ({string.Join(", ", Changed.Take(5))}{(Changed.Count > 5 ? ", …" : string.Empty)})"
            : null;

    public static async Task<CheckedOutCommit> ReadAsync(CommandRunner runner, string repository, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var head = await GitAsync(runner, repository, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], cancellationToken).ConfigureAwait(false);
        if (head is not { Length: 40 })
        {
            return new CheckedOutCommit(null, []);
        }

        var status = await GitAsync(runner, repository, ["status", "--porcelain", "--untracked-files=no"], cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"git status failed in {repository}.");
        return new CheckedOutCommit(head, [.. status.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]);
    }

    private static async Task<string?> GitAsync(CommandRunner runner, string repository, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        try
        {
            var result = await runner.RunAsync(new CommandSpec("git", arguments, repository) { StreamOutput = false, Timeout = TimeSpan.FromMinutes(1) }, cancellationToken).ConfigureAwait(false);
            return result.Succeeded ? result.StandardOutput.Trim() : null;
        }
        catch (CommandException)
        {
            // No git at all: the same as no repository (the tool check names git when a stage needs it).
            return null;
        }
    }
}

/// <summary>
/// Build once, promote the same bytes, for the deployment targets: finds the set Ci published for the checked-out
/// commit, downloads it for the deployment, and after a successful staging deployment records that it passed staging
/// (publishing a set built here first, so the first adoption and local builds of a clean checkout promote too).
/// </summary>
public sealed class ArtifactSources(ArtifactPromotion promotion, IBuildLog log)
{
    /// <summary>The source for a deployment of <paramref name="checkout"/>; a published set is read with its staging record.</summary>
    public async Task<ArtifactSource> ResolveAsync(CheckedOutCommit checkout, string bucket, string artifactsDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkout);
        if (checkout.NotTheCommit is { } why)
        {
            return new ArtifactSource(ArtifactOrigin.BuiltHere, null, bucket, artifactsDirectory) { WhyBuiltHere = why };
        }

        var commit = checkout.Commit!;
        var set = await promotion.FindAsync(commit, cancellationToken).ConfigureAwait(false);
        if (set is null)
        {
            return new ArtifactSource(ArtifactOrigin.BuiltHere, commit, bucket, artifactsDirectory)
            {
                WhyBuiltHere = $"no artifact set is published for {commit} (s3://{bucket}/{ArtifactPromotion.ManifestKey(commit)} does not exist)",
            };
        }

        var folder = Path.Combine(artifactsDirectory, "promoted", commit);
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(ArtifactPaths.ManifestIn(folder), set.ManifestBytes, cancellationToken).ConfigureAwait(false);
        return new ArtifactSource(ArtifactOrigin.Published, commit, bucket, folder)
        {
            Set = set,
            StagingPass = await promotion.StagingPassOfAsync(set, cancellationToken).ConfigureAwait(false),
        };
    }

    /// <summary>The folder the deployment uploads and verifies from: the published set downloaded and checked, or the one Package wrote.</summary>
    public async Task<string> PrepareAsync(ArtifactSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        log.Information(source.Describe());
        return source.Set is { } set
            ? await promotion.DownloadAsync(set, source.Folder, cancellationToken).ConfigureAwait(false)
            : source.Folder;
    }

    /// <summary>
    /// After a successful staging deployment: records that its artifact set passed staging (a set built here from a
    /// clean checkout is published under the commit first). The report stays a success only when the record exists.
    /// </summary>
    public async Task<DeploymentReport> RecordStagingPassAsync(DeploymentReport passed, DeploymentRequest request, string artifactsRoot, string deploymentId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(passed);
        ArgumentNullException.ThrowIfNull(request);
        if (!passed.Succeeded || request.Artifacts is not { } source)
        {
            return passed;
        }

        if (source.Commit is null)
        {
            log.Warning($"The artifact set is not recorded as passing staging: {source.WhyBuiltHere}; DeployProduction will not promote it.");
            return passed with { Summary = $"{passed.Summary} Not recorded as passing staging ({source.WhyBuiltHere})." };
        }

        try
        {
            var set = source.Set;
            if (set is null)
            {
                var published = await promotion.PublishAsync(artifactsRoot, source.Commit, cancellationToken).ConfigureAwait(false);
                set = published.Passed ? await promotion.FindAsync(source.Commit, cancellationToken).ConfigureAwait(false) : null;
                if (set is null)
                {
                    return Unrecorded(passed, string.Join("; ", published.Failures.DefaultIfEmpty($"{ArtifactPromotion.ManifestKey(source.Commit)} could not be read back")));
                }
            }

            var key = await promotion.RecordStagingPassAsync(set, new StagingPass(set.Commit, set.ManifestSha256, request.Version, deploymentId, now) { RunId = request.RunId }, cancellationToken).ConfigureAwait(false);
            return passed with { Summary = $"{passed.Summary} The artifact set of {set.Commit} is recorded as passing staging ({key}): DeployProduction of that commit promotes it." };
        }
        catch (Exception ex) when (ex is AwsServiceException or InvalidDataException)
        {
            return Unrecorded(passed, ex.Message);
        }
    }

    private DeploymentReport Unrecorded(DeploymentReport passed, string why)
    {
        log.Error($"Staging passed, but recording it failed: {why}");
        return passed with
        {
            Succeeded = false,
            Summary = $"{passed.Summary} But recording that the artifact set passed staging failed: {why}. DeployProduction will refuse this set until a DeployStaging records it; run DeployStaging again.",
        };
    }
}
