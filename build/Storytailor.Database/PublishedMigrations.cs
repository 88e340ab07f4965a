using Storytailor.Core;

namespace Storytailor.Database;

/// <summary>
/// Migrations that already exist on the default branch are history: they were (or will be)
/// applied to real databases, so they must not be edited or deleted, and a new migration must
/// sort after them. Compared at <c>git merge-base HEAD &lt;default branch&gt;</c>.
/// </summary>
public sealed class PublishedMigrations(CommandRunner runner)
{
    public const string CheckName = "published-migrations-unchanged";

    /// <param name="appRoot">Folder holding <c>supabase/</c>.</param>
    /// <param name="defaultBranch">Branch to compare with; null tries origin/main, then main.</param>
    /// <param name="folder">The migrations folder as messages name it.</param>
    public async Task<CheckOutcome> CheckAsync(string appRoot, string? defaultBranch, CancellationToken cancellationToken = default, string folder = MigrationFiles.DefaultFolder)
    {
        var top = await GitAsync(appRoot, ["rev-parse", "--show-toplevel"], cancellationToken).ConfigureAwait(false);
        if (!top.Succeeded)
        {
            return CheckOutcome.Skip(CheckName, $"skipped: {appRoot} is not inside a git repository ({top.Tail(1)})");
        }

        var repositoryRoot = top.StandardOutput.Trim();
        string[] candidates = string.IsNullOrWhiteSpace(defaultBranch) ? ["origin/main", "main"] : [defaultBranch];
        string? branch = null;
        foreach (var candidate in candidates)
        {
            var verify = await GitAsync(appRoot, ["rev-parse", "--verify", "--quiet", candidate + "^{commit}"], cancellationToken).ConfigureAwait(false);
            if (verify.Succeeded)
            {
                branch = candidate;
                break;
            }
        }

        if (branch is null)
        {
            return CheckOutcome.Skip(CheckName, $"skipped: default branch {string.Join(" or ", candidates.Select(c => $"'{c}'"))} not found in {repositoryRoot}");
        }

        var mergeBase = await GitAsync(appRoot, ["merge-base", "HEAD", branch], cancellationToken).ConfigureAwait(false);
        if (!mergeBase.Succeeded)
        {
            return CheckOutcome.Skip(CheckName, $"skipped: no merge base between HEAD and '{branch}' ({mergeBase.Tail(1)})");
        }

        var baseCommit = mergeBase.StandardOutput.Trim();
        var migrationsDirectory = Path.Combine(Path.GetFullPath(appRoot), "supabase", "migrations");
        var relative = Path.GetRelativePath(repositoryRoot, migrationsDirectory).Replace('\\', '/');
        var tree = await GitAsync(appRoot, ["ls-tree", "-r", "--name-only", baseCommit, "--", relative + "/"], cancellationToken).ConfigureAwait(false);
        if (!tree.Succeeded)
        {
            return CheckOutcome.Fail(CheckName, [$"could not run: git ls-tree {baseCommit[..Math.Min(12, baseCommit.Length)]} failed: {tree.Tail(3)}"]);
        }

        var published = tree.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(path => path.EndsWith(".sql", StringComparison.Ordinal))
            .ToList();
        var failures = new List<string>();
        var shortBase = baseCommit[..Math.Min(12, baseCommit.Length)];
        foreach (var path in published)
        {
            var fileName = path[(path.LastIndexOf('/') + 1)..];
            var local = Path.Combine(migrationsDirectory, fileName);
            if (!File.Exists(local))
            {
                failures.Add($"{folder}/{fileName}: exists on '{branch}' (merge base {shortBase}) but was deleted; add a new migration instead");
                continue;
            }

            var original = await GitAsync(appRoot, ["show", $"{baseCommit}:{path}"], cancellationToken).ConfigureAwait(false);
            if (!original.Succeeded)
            {
                failures.Add($"{folder}/{fileName}: could not run: git show failed: {original.Tail(2)}");
                continue;
            }

            var current = await File.ReadAllTextAsync(local, cancellationToken).ConfigureAwait(false);
            if (Normalize(original.StandardOutput) != Normalize(current))
            {
                failures.Add($"{folder}/{fileName}: edited after it was published on '{branch}' (merge base {shortBase}); revert it and add a new migration instead");
            }
        }

        var newestPublished = published.Select(p => p[(p.LastIndexOf('/') + 1)..]).Where(n => n.Length > 14).Select(n => n[..14]).DefaultIfEmpty(string.Empty).Max(StringComparer.Ordinal)!;
        var publishedNames = published.Select(p => p[(p.LastIndexOf('/') + 1)..]).ToHashSet(StringComparer.Ordinal);
        foreach (var file in MigrationFiles.List(migrationsDirectory, folder).Where(f => !publishedNames.Contains(f.FileName) && f.Version is not null))
        {
            if (string.CompareOrdinal(file.Version, newestPublished) <= 0)
            {
                failures.Add($"{file.RelativePath}: new migration's version {file.Version} is not after {newestPublished}, the newest on '{branch}'; databases that already ran it would skip this one");
            }
        }

        return CheckOutcome.From(CheckName, failures, $"{published.Count} migration(s) on '{branch}' at merge base {shortBase}");
    }

    // Git and editors may change line endings and the final newline; content is what matters.
    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n', ' ');

    private Task<CommandResult> GitAsync(string workingDirectory, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        runner.RunAsync(new CommandSpec("git", arguments, workingDirectory) { StreamOutput = false, Timeout = TimeSpan.FromMinutes(1) }, cancellationToken);
}
