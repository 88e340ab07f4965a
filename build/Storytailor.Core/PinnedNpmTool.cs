using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Storytailor.Core;

/// <summary>A pinned tool could not be installed (no network, a registry that refuses, a broken lockfile).</summary>
public sealed class ToolInstallException(string message) : Exception(message);

/// <summary>Whether a pinned tool's install is usable, and if not, why.</summary>
public sealed record PinnedToolState(bool Ready, string Reason);

/// <summary>
/// A tool the build pins with an npm lockfile in its own folder (e.g. <c>tools/supabase</c>: package.json,
/// package-lock.json) and installs with <c>npm ci</c>. An install is usable when its marker
/// (<c>node_modules/.storytailor-install.json</c>) names the current lockfile's hash and every installed file
/// still has the size it had after the install; otherwise it is outdated or damaged and installed again.
/// Installs are atomic: <c>npm ci</c> runs in a temporary folder next to the tool's, and only a complete
/// install (marker written) replaces <c>node_modules</c>, under a lock shared by concurrent builds.
/// </summary>
public sealed class PinnedNpmTool
{
    public const string MarkerName = ".storytailor-install.json";

    private static readonly JsonSerializerOptions MarkerJson = new() { WriteIndented = true };

    /// <param name="displayName">How messages name it ("the Supabase CLI").</param>
    /// <param name="folder">The folder holding package.json and package-lock.json.</param>
    /// <param name="packageName">The npm package that provides the executable (its version is the pinned one).</param>
    /// <param name="executable">The executable, relative to <paramref name="folder"/> (node_modules/.bin/supabase).</param>
    public PinnedNpmTool(string displayName, string folder, string packageName, string executable)
    {
        DisplayName = displayName;
        Folder = Path.GetFullPath(folder);
        PackageName = packageName;
        Executable = Path.Combine(Folder, executable);
    }

    public string DisplayName { get; }

    public string Folder { get; }

    public string PackageName { get; }

    public string Executable { get; }

    public string NodeModules => Path.Combine(Folder, "node_modules");

    public string LockFile => Path.Combine(Folder, "package-lock.json");

    /// <summary>The version the lockfile pins for <see cref="PackageName"/>.</summary>
    public string PinnedVersion
    {
        get
        {
            var lockFile = ReadLockFile();
            return lockFile["packages"]?["node_modules/" + PackageName]?["version"]?.GetValue<string>()
                ?? throw new ToolInstallException($"{LockFile} pins no version of {PackageName}: run 'npm install --prefix {Folder}' to refresh it.");
        }
    }

    /// <summary>Checks the install without changing anything.</summary>
    public PinnedToolState Check()
    {
        var markerPath = Path.Combine(NodeModules, MarkerName);
        if (!Directory.Exists(NodeModules) || !File.Exists(markerPath))
        {
            return new PinnedToolState(false, "not installed");
        }

        InstallMarker? marker;
        try
        {
            marker = JsonSerializer.Deserialize<InstallMarker>(File.ReadAllText(markerPath));
        }
        catch (JsonException)
        {
            return new PinnedToolState(false, "its install marker is unreadable (damaged install)");
        }

        if (marker is null || marker.Files is null)
        {
            return new PinnedToolState(false, "its install marker is empty (damaged install)");
        }

        if (!string.Equals(marker.LockfileSha256, LockfileHash(), StringComparison.Ordinal))
        {
            return new PinnedToolState(false, $"outdated (installed {marker.Version}; the lockfile changed since)");
        }

        var files = Fingerprint(NodeModules);
        var changed = marker.Files.Where(f => !files.TryGetValue(f.Key, out var size) || size != f.Value).Select(f => f.Key).ToList();
        if (changed.Count > 0)
        {
            return new PinnedToolState(false, $"damaged ({changed.Count} installed file(s) missing or changed, e.g. {changed[0]})");
        }

        return File.Exists(Executable)
            ? new PinnedToolState(true, $"{PinnedVersion} installed")
            : new PinnedToolState(false, $"damaged ({Executable} is missing)");
    }

    /// <summary>
    /// Installs the tool when it is missing, outdated or damaged; returns true when it installed.
    /// Throws <see cref="ToolInstallException"/> when npm cannot install it (the message says why).
    /// </summary>
    public async Task<bool> EnsureAsync(CommandRunner runner, IBuildLog log, TimeSpan lockTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(log);
        if (Check().Ready)
        {
            return false;
        }

        using var gate = await AcquireLockAsync(lockTimeout, cancellationToken).ConfigureAwait(false);
        var state = Check();
        if (state.Ready)
        {
            return false; // another build installed it while this one waited
        }

        var version = PinnedVersion;
        log.Information($"Installing {DisplayName} {version} into {Folder} ({state.Reason}): npm ci ...");
        var staging = Path.Combine(Folder, ".install-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(staging);
        try
        {
            foreach (var file in new[] { "package.json", "package-lock.json", ".npmrc" })
            {
                var source = Path.Combine(Folder, file);
                if (File.Exists(source))
                {
                    File.Copy(source, Path.Combine(staging, file));
                }
            }

            CommandResult result;
            try
            {
                result = await runner.RunAsync(new CommandSpec("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], staging)
                {
                    StreamOutput = false,
                    Timeout = TimeSpan.FromMinutes(10),
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (CommandException ex)
            {
                throw new ToolInstallException($"Could not install {DisplayName} {version} into {Folder}: {ex.Message}");
            }

            if (!result.Succeeded)
            {
                throw new ToolInstallException(InstallFailure(version, result));
            }

            var installed = Path.Combine(staging, "node_modules");
            var marker = new InstallMarker(version, LockfileHash(), Fingerprint(installed), DateTimeOffset.UtcNow);
            File.WriteAllText(Path.Combine(installed, MarkerName), JsonSerializer.Serialize(marker, MarkerJson));
            Replace(installed);
            log.Information($"{DisplayName} {version} installed in {result.Duration.TotalSeconds:0.0} s.");
            return true;
        }
        finally
        {
            TryDelete(staging);
        }
    }

    private string InstallFailure(string version, CommandResult result)
    {
        var lines = (result.StandardOutput + "\n" + result.StandardError).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string[] offlineCodes = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "ENETUNREACH", "EHOSTUNREACH"];
        var causes = lines.Where(l => l.Contains("request to", StringComparison.Ordinal) || offlineCodes.Any(code => l.Contains(code, StringComparison.Ordinal))).Take(3).ToList();
        var cause = string.Join(" / ", causes);
        return causes.Count > 0
            ? $"Could not install {DisplayName} {version} into {Folder}: the npm registry cannot be reached (no network?). " +
              $"Connect to the network, or point npm_config_registry at a reachable registry, and run again. npm ci said: {cause}"
            : $"Could not install {DisplayName} {version} into {Folder}: npm ci exited with code {result.ExitCode}:\n{result.Tail(8)}";
    }

    /// <summary>Puts a complete node_modules in place of the current one; a crash in between leaves none (reinstalled next time).</summary>
    private void Replace(string installed)
    {
        string? previous = null;
        if (Directory.Exists(NodeModules))
        {
            previous = Path.Combine(Folder, ".install-old-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.Move(NodeModules, previous);
        }

        Directory.Move(installed, NodeModules);
        if (previous is not null)
        {
            TryDelete(previous);
        }
    }

    private async Task<FileStream> AcquireLockAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Folder, ".install.lock");
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw new ToolInstallException($"Could not install {DisplayName}: another build has held {path} for over {timeout.TotalSeconds:0} s ({ex.Message}).");
            }
        }
    }

    private JsonNode ReadLockFile()
    {
        if (!File.Exists(LockFile))
        {
            throw new ToolInstallException($"{DisplayName} is pinned by {LockFile}, which does not exist.");
        }

        try
        {
            return JsonNode.Parse(File.ReadAllText(LockFile)) ?? throw new ToolInstallException($"{LockFile} is empty.");
        }
        catch (JsonException ex)
        {
            throw new ToolInstallException($"{LockFile} is not valid JSON: {ex.Message}");
        }
    }

    private string LockfileHash()
    {
        using var sha = SHA256.Create();
        var bytes = new List<byte>();
        foreach (var file in new[] { "package.json", "package-lock.json" })
        {
            var path = Path.Combine(Folder, file);
            bytes.AddRange(Encoding.UTF8.GetBytes(file + "\n"));
            if (File.Exists(path))
            {
                bytes.AddRange(File.ReadAllBytes(path));
            }
        }

        return Convert.ToHexStringLower(sha.ComputeHash([.. bytes]));
    }

    /// <summary>Every file under node_modules (symbolic links not followed) with its size; the marker itself excluded.</summary>
    private static SortedDictionary<string, long> Fingerprint(string root)
    {
        var files = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(root)]);
        while (pending.Count > 0)
        {
            foreach (var entry in pending.Pop().EnumerateFileSystemInfos())
            {
                var relative = Path.GetRelativePath(root, entry.FullName).Replace('\\', '/');
                if (entry.LinkTarget is { } target)
                {
                    files[relative] = target.Length; // a link: its target's name, not the file it points to
                }
                else if (entry is DirectoryInfo directory)
                {
                    pending.Push(directory);
                }
                else if (relative != MarkerName && entry is FileInfo file)
                {
                    files[relative] = file.Length;
                }
            }
        }

        return files;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Left behind (a process still holds a file); its name starts with .install- and the next install ignores it.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    private sealed record InstallMarker(string Version, string LockfileSha256, SortedDictionary<string, long> Files, DateTimeOffset InstalledAt);
}
