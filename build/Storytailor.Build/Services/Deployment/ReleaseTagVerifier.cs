using Storytailor.Core;

namespace Storytailor.Build.Services.Deployment;

/// <summary>The release tag and the commit it names, which is the commit checked out.</summary>
public sealed record ReleaseCommit(string Tag, string Commit);

/// <summary>The checkout is not the tag's commit, the tag does not exist, or there is no repository: nothing may be deployed.</summary>
public sealed class ReleaseTagMismatchException(string message) : Exception(message);

/// <summary>
/// Before a production deployment changes anything: the tag must exist in the app's repository and name the
/// commit checked out (HEAD), so that the version deployed is the code the tag names.
/// </summary>
public sealed class ReleaseTagVerifier(CommandRunner runner)
{
    public async Task<ReleaseCommit> VerifyAsync(string repository, string tag, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tag);
        var head = await RevParseAsync(repository, "HEAD^{commit}", cancellationToken).ConfigureAwait(false)
            ?? throw new ReleaseTagMismatchException($"{repository} is not a git checkout with a commit: DeployProduction deploys the commit a release tag names, from a checkout of it.");
        var tagged = await RevParseAsync(repository, $"refs/tags/{tag}^{{commit}}", cancellationToken).ConfigureAwait(false)
            ?? throw new ReleaseTagMismatchException($"Tag {tag} does not exist in the repository (HEAD is {head}). Create and push the tag on the commit to release, or fetch tags (git fetch --tags; actions/checkout needs fetch-depth: 0).");
        return string.Equals(head, tagged, StringComparison.Ordinal)
            ? new ReleaseCommit(tag, head)
            : throw new ReleaseTagMismatchException($"HEAD is {head}, but tag {tag} names {tagged}: only the tag's commit is deployed as {tag}. Check out the tag (git checkout {tag}) and run again.");
    }

    private async Task<string?> RevParseAsync(string repository, string revision, CancellationToken cancellationToken)
    {
        CommandResult result;
        try
        {
            result = await runner.RunAsync(new CommandSpec("git", ["rev-parse", "--verify", "--quiet", revision], repository) { StreamOutput = false, Timeout = TimeSpan.FromMinutes(1) }, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandException ex)
        {
            throw new ReleaseTagMismatchException($"The release tag cannot be checked: {ex.Message}");
        }

        var value = result.StandardOutput.Trim();
        return result.Succeeded && value.Length == 40 ? value : null;
    }
}
