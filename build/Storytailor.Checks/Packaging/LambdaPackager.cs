using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Storytailor.Core;

namespace Storytailor.Checks.Packaging;

/// <summary>Settings of the package stage.</summary>
/// <param name="AppRoot">The npm workspace root (package.json with "workspaces", node_modules installed).</param>
/// <param name="GitCommit">The commit the artifacts are built from, written to the manifest (null: read with git).</param>
public sealed record PackagingSettings(string AppRoot, string? GitCommit = null)
{
    /// <summary>Package names to build (e.g. "@storytailor/router"); empty: every workspace with a "main".</summary>
    public IReadOnlyList<string> Packages { get; init; } = [];

    public string GitExecutable { get; init; } = "git";
}

/// <summary>One Lambda package artifact as listed in artifacts/manifest.json.</summary>
public sealed record PackageArtifact(string Name, string Version, string? GitCommit, long Size, string Sha256, string CodeSha256, string FileName, int Files);

public sealed record PackagingResult(StageOutcome Outcome, string Message, IReadOnlyList<PackageArtifact> Artifacts, string? ManifestPath)
{
    public bool Passed => Outcome != StageOutcome.Failed;
}

/// <summary>A packaging problem that names its cause (missing build output, missing dependency, ...).</summary>
public sealed class PackagingException(string message) : Exception(message);

/// <summary>
/// Builds one reproducible zip per Lambda package of an npm-workspaces app.
/// <para>
/// What goes in: the package's package.json and its published files ("files" in package.json, else the
/// folder of "main"), at the root of the zip; then its production dependencies (dependencies,
/// optionalDependencies, peerDependencies, transitively) under node_modules/. Each dependency is
/// resolved the way Node resolves it at run time — the nearest node_modules/&lt;name&gt; walking up from
/// the requiring package's real folder to the app root — on the installed tree, so the zip holds exactly
/// the versions the tests ran against. npm hoists most packages to the root node_modules; a nested copy
/// keeps its nested place. A workspace dependency (a symlink in node_modules, e.g.
/// @storytailor/universal-agent) contributes its package.json and published files (its built dist),
/// never its sources. If two different folders would land on the same path in the zip, packaging fails
/// rather than guessing.
/// </para>
/// </summary>
public sealed class LambdaPackager(CommandRunner runner, ArtifactWriter artifacts, IBuildLog log)
{
    public const string PackagesFolder = "packages";

    public async Task<PackagingResult> PackageAsync(PackagingSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var root = Path.GetFullPath(settings.AppRoot);
        var commit = settings.GitCommit ?? await ReadCommitAsync(root, settings.GitExecutable, cancellationToken).ConfigureAwait(false);
        var built = new List<PackageArtifact>();
        try
        {
            var workspaces = FindLambdaPackages(root);
            if (settings.Packages.Count > 0)
            {
                var all = FindWorkspaces(root);
                var unknown = settings.Packages.Except(all.Select(w => w.Name), StringComparer.Ordinal).ToList();
                if (unknown.Count > 0)
                {
                    throw new PackagingException($"No workspace named {string.Join(", ", unknown)} in {root}.");
                }

                workspaces = [.. all.Where(w => settings.Packages.Contains(w.Name, StringComparer.Ordinal)).Select(w => new WorkspacePackage(w.Name, w.Version, w.Folder))];
            }

            if (workspaces.Count == 0)
            {
                throw new PackagingException($"No Lambda package (a workspace with \"main\") found in {root}.");
            }

            Directory.CreateDirectory(artifacts.PathOf(PackagesFolder));
            foreach (var workspace in workspaces)
            {
                cancellationToken.ThrowIfCancellationRequested();
                built.Add(Build(root, workspace, commit));
            }
        }
        catch (PackagingException ex)
        {
            var message = $"Packaging failed: {ex.Message}";
            log.Error(message);
            return new PackagingResult(StageOutcome.Failed, message, built, null);
        }

        var manifest = artifacts.WriteJson(ArtifactPaths.Manifest, new { gitCommit = commit, packages = built });
        var summary = TextTable.Render(
            ["package", "version", "file", "size", "sha256", "CodeSha256"],
            built.Select(a => (IReadOnlyList<string>)[a.Name, a.Version, a.FileName, a.Size.ToString(System.Globalization.CultureInfo.InvariantCulture), a.Sha256, a.CodeSha256]));
        var done = $"Packaged {built.Count} Lambda package(s); manifest {manifest}:\n{summary}";
        log.Information(done);
        return new PackagingResult(StageOutcome.Passed, done, built, manifest);
    }

    /// <summary>Workspaces of the app that declare a "main", in name order.</summary>
    public static IReadOnlyList<WorkspacePackage> FindLambdaPackages(string appRoot) =>
        [.. FindWorkspaces(appRoot).Where(w => w.Main is not null).Select(w => new WorkspacePackage(w.Name, w.Version, w.Folder))];

    /// <summary>Every workspace of the app (package.json "workspaces": folders and 'folder/*'), in name order.</summary>
    public static IReadOnlyList<AppWorkspace> FindWorkspaces(string appRoot)
    {
        var rootManifest = ReadManifest(Path.Combine(appRoot, "package.json"));
        var patterns = rootManifest["workspaces"] switch
        {
            JsonArray array => array.Select(p => p!.GetValue<string>()).ToList(),
            JsonObject obj when obj["packages"] is JsonArray array => array.Select(p => p!.GetValue<string>()).ToList(),
            _ => throw new PackagingException($"{Path.Combine(appRoot, "package.json")} declares no \"workspaces\"."),
        };
        var folders = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var pattern in patterns)
        {
            var normalized = pattern.TrimEnd('/');
            if (normalized.EndsWith("/*", StringComparison.Ordinal))
            {
                var parent = Path.Combine(appRoot, normalized[..^2]);
                if (Directory.Exists(parent))
                {
                    folders.UnionWith(Directory.GetDirectories(parent).Where(d => File.Exists(Path.Combine(d, "package.json"))).Select(Path.GetFullPath));
                }
            }
            else if (normalized.Contains('*', StringComparison.Ordinal))
            {
                throw new PackagingException($"Workspace pattern '{pattern}' is not supported (use a folder or 'folder/*').");
            }
            else if (File.Exists(Path.Combine(appRoot, normalized, "package.json")))
            {
                folders.Add(Path.GetFullPath(Path.Combine(appRoot, normalized)));
            }
        }

        return folders.Select(folder => (Folder: folder, Manifest: ReadManifest(Path.Combine(folder, "package.json"))))
            .Select(p => new AppWorkspace(
                p.Manifest["name"]?.GetValue<string>() ?? Path.GetFileName(p.Folder),
                p.Manifest["version"]?.GetValue<string>() ?? "0.0.0",
                p.Folder,
                p.Manifest["main"]?.GetValue<string>(),
                [.. new[] { "dependencies", "devDependencies", "optionalDependencies", "peerDependencies" }
                    .SelectMany(kind => p.Manifest[kind] is JsonObject deps ? deps.Select(d => d.Key) : [])
                    .Distinct(StringComparer.Ordinal)],
                p.Manifest["scripts"] is JsonObject scripts && scripts["start"] is not null))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The files of a package's zip: entry path → source file.</summary>
    public static IReadOnlyList<ZipSource> CollectFiles(string appRoot, WorkspacePackage workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        var manifest = ReadManifest(Path.Combine(workspace.Folder, "package.json"));
        var main = manifest["main"]!.GetValue<string>();
        if (!File.Exists(Path.Combine(workspace.Folder, main)))
        {
            throw new PackagingException($"{workspace.Name}: its main '{main}' does not exist in {workspace.Folder}; run the build first.");
        }

        var files = new List<ZipSource>();
        AddPublishedFiles(files, workspace.Folder, manifest, string.Empty, workspace.Name);

        // Source folder → zip folder. The app root and the package itself both map to the zip root.
        var roots = new List<(string Source, string Zip)> { (Path.GetFullPath(appRoot), string.Empty), (workspace.Folder, string.Empty) };
        var seen = new Dictionary<string, string>(StringComparer.Ordinal); // zip folder → source folder
        var queue = new Queue<(string Folder, JsonObject Manifest, string Name)>();
        queue.Enqueue((workspace.Folder, manifest, workspace.Name));
        while (queue.Count > 0)
        {
            var (folder, current, name) = queue.Dequeue();
            foreach (var (dependency, optional) in ProductionDependencies(current))
            {
                var found = Resolve(appRoot, folder, dependency);
                if (found is null)
                {
                    if (optional)
                    {
                        continue;
                    }

                    throw new PackagingException($"{workspace.Name}: production dependency '{dependency}' of {name} is not installed (run npm ci).");
                }

                var zipFolder = ZipFolderOf(roots, found);
                if (seen.TryGetValue(zipFolder, out var existing))
                {
                    if (!string.Equals(existing, found, StringComparison.Ordinal))
                    {
                        throw new PackagingException($"{workspace.Name}: {found} and {existing} would both be packaged as {zipFolder}.");
                    }

                    continue;
                }

                seen[zipFolder] = found;
                var real = RealFolder(found);
                var dependencyManifest = ReadManifest(Path.Combine(real, "package.json"));
                if (!string.Equals(real, found, StringComparison.Ordinal))
                {
                    // A linked package (a workspace): package its published files, resolve its dependencies from its real folder.
                    roots.Add((real, zipFolder));
                    AddPublishedFiles(files, real, dependencyManifest, zipFolder + "/", dependency);
                }
                else
                {
                    AddWholeFolder(files, real, zipFolder + "/");
                }

                queue.Enqueue((real, dependencyManifest, dependency));
            }
        }

        return files;
    }

    private PackageArtifact Build(string root, WorkspacePackage workspace, string? commit)
    {
        var files = CollectFiles(root, workspace);
        var fileName = $"{workspace.Name.TrimStart('@').Replace('/', '-')}-{workspace.Version}.zip";
        var relative = $"{PackagesFolder}/{fileName}";
        var path = artifacts.PathOf(relative);
        try
        {
            ReproducibleZip.Write(path, files);
        }
        catch (InvalidOperationException ex)
        {
            throw new PackagingException($"{workspace.Name}: {ex.Message}");
        }

        var bytes = File.ReadAllBytes(path);
        var hash = SHA256.HashData(bytes);
        var artifact = new PackageArtifact(workspace.Name, workspace.Version, commit, bytes.LongLength,
            Convert.ToHexStringLower(hash), Convert.ToBase64String(hash), relative, files.Count);
        log.Information($"{workspace.Name}@{workspace.Version}: {files.Count} files, {bytes.LongLength} bytes, CodeSha256 {artifact.CodeSha256}");
        return artifact;
    }

    private static IEnumerable<(string Name, bool Optional)> ProductionDependencies(JsonObject manifest)
    {
        var names = new SortedDictionary<string, bool>(StringComparer.Ordinal);
        foreach (var (section, optional) in new[] { ("dependencies", false), ("optionalDependencies", true), ("peerDependencies", true) })
        {
            if (manifest[section] is JsonObject deps)
            {
                foreach (var (name, _) in deps)
                {
                    names[name] = names.TryGetValue(name, out var was) ? was && optional : optional;
                }
            }
        }

        return names.Select(p => (p.Key, p.Value));
    }

    /// <summary>Node's lookup: folder/node_modules/name, then each parent's, up to the app root.</summary>
    private static string? Resolve(string appRoot, string fromFolder, string name)
    {
        var stop = Path.GetFullPath(appRoot);
        for (var folder = fromFolder; folder is not null; folder = Path.GetDirectoryName(folder))
        {
            if (!string.Equals(Path.GetFileName(folder), "node_modules", StringComparison.Ordinal))
            {
                var candidate = Path.Combine(folder, "node_modules", name);
                if (File.Exists(Path.Combine(candidate, "package.json")))
                {
                    return candidate;
                }
            }

            if (string.Equals(folder, stop, StringComparison.Ordinal))
            {
                break;
            }
        }

        return null;
    }

    private static string ZipFolderOf(List<(string Source, string Zip)> roots, string found)
    {
        var best = roots.Where(r => found.StartsWith(r.Source + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .OrderByDescending(r => r.Source.Length).First();
        var rest = Path.GetRelativePath(best.Source, found).Replace('\\', '/');
        return best.Zip.Length == 0 ? rest : $"{best.Zip}/{rest}";
    }

    private static string RealFolder(string folder)
    {
        var info = new DirectoryInfo(folder);
        return info.LinkTarget is null ? folder : Path.GetFullPath(info.ResolveLinkTarget(returnFinalTarget: true)!.FullName);
    }

    private static void AddPublishedFiles(List<ZipSource> files, string folder, JsonObject manifest, string prefix, string name)
    {
        files.Add(new ZipSource(prefix + "package.json", Path.Combine(folder, "package.json")));
        var published = manifest["files"] is JsonArray list
            ? list.Select(f => f!.GetValue<string>().TrimStart('.', '/').TrimEnd('/')).ToList()
            : [Path.GetDirectoryName(manifest["main"]?.GetValue<string>() ?? "index.js")!.TrimStart('.', '/').Replace('\\', '/')];
        foreach (var entry in published.Where(e => e.Length > 0))
        {
            if (entry.Contains('*', StringComparison.Ordinal))
            {
                throw new PackagingException($"{name}: glob '{entry}' in \"files\" is not supported; list folders or files.");
            }

            var path = Path.Combine(folder, entry);
            if (File.Exists(path))
            {
                files.Add(new ZipSource(prefix + entry, path));
            }
            else if (Directory.Exists(path))
            {
                AddWholeFolder(files, path, prefix + entry + "/");
            }
            else
            {
                throw new PackagingException($"{name}: '{entry}' listed in its package.json does not exist in {folder}; run the build first.");
            }
        }

        if (published.Count == 0 || published.All(e => e.Length == 0))
        {
            AddWholeFolder(files, folder, prefix);
        }
    }

    /// <summary>Every regular file under a folder except nested node_modules (resolved separately) and build caches.</summary>
    private static void AddWholeFolder(List<ZipSource> files, string folder, string prefix)
    {
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo directory)
            {
                if (directory.Name != "node_modules" && directory.LinkTarget is null)
                {
                    AddWholeFolder(files, directory.FullName, prefix + directory.Name + "/");
                }
            }
            else if (!entry.Name.EndsWith(".tsbuildinfo", StringComparison.Ordinal) && File.Exists(entry.FullName))
            {
                files.Add(new ZipSource(prefix + entry.Name, entry.FullName));
            }
        }
    }

    private static JsonObject ReadManifest(string path)
    {
        if (!File.Exists(path))
        {
            throw new PackagingException($"{path} does not exist.");
        }

        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new PackagingException($"{path} is not a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new PackagingException($"{path} is not valid JSON: {ex.Message}");
        }
    }

    private async Task<string?> ReadCommitAsync(string root, string git, CancellationToken cancellationToken)
    {
        try
        {
            var result = await runner.RunAsync(new CommandSpec(git, ["rev-parse", "HEAD"], root) { StreamOutput = false, Timeout = TimeSpan.FromMinutes(1) }, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return result.StandardOutput.Trim();
            }

            log.Warning($"Packaging: no git commit for the manifest ({result.Tail(1)}).");
            return null;
        }
        catch (CommandException ex)
        {
            log.Warning($"Packaging: no git commit for the manifest ({ex.Message}).");
            return null;
        }
    }
}

/// <summary>A workspace of the app that is a Lambda package.</summary>
public sealed record WorkspacePackage(string Name, string Version, string Folder);

/// <summary>A workspace of the app: its package name, version, folder (absolute), "main", the packages it depends on, whether it has a start script.</summary>
public sealed record AppWorkspace(string Name, string Version, string Folder, string? Main, IReadOnlyList<string> Dependencies, bool HasStartScript);
