using System.Text.Json;
using Storytailor.Core;

namespace Storytailor.Database;

/// <summary>What <c>supabase db push --output-format json</c> reported.</summary>
public sealed record PushOutcome(bool Succeeded, bool UpToDate, IReadOnlyList<string> Migrations, IReadOnlyList<string> Seeds, string Message, CommandResult Command);

/// <summary>
/// The Supabase CLI (npm package <c>supabase</c> 3.x, pinned in <c>tools/supabase</c> and installed by <c>./build.sh</c>).
/// 3.x takes the target database as <c>--remote=&lt;url&gt;</c> (2.x had <c>--db-url</c>) and needs no access
/// token for a URL. Telemetry and the update check are turned off: the build talks to 127.0.0.1 only.
/// </summary>
public sealed class SupabaseCli(CommandRunner runner, string executable)
{
    public string Executable { get; } = executable;

    public static readonly IReadOnlyDictionary<string, string?> QuietEnvironment = new Dictionary<string, string?>
    {
        ["SUPABASE_TELEMETRY_DISABLED"] = "1",
        ["DO_NOT_TRACK"] = "1",
        ["SUPABASE_NO_UPDATE_NOTIFIER"] = "1",
        ["SUPABASE_ACCESS_TOKEN"] = null,
    };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Path, DateTime Written), string> Versions = new();

    /// <summary>The CLI's version (asked once per installed binary), or an exception naming how to install it.</summary>
    public async Task<string> VersionAsync(CancellationToken cancellationToken = default)
    {
        EnsureInstalled();
        var key = (Path.GetFullPath(Executable), File.GetLastWriteTimeUtc(Executable));
        if (Versions.TryGetValue(key, out var known))
        {
            return known;
        }

        var result = await RunAsync(Path.GetTempPath(), ["--version"], cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new CommandException($"'{Executable} --version' failed (exit {result.ExitCode}): {result.Tail(5)}");
        }

        return Versions[key] = result.StandardOutput.Trim();
    }

    /// <summary><c>supabase db push --remote=&lt;url&gt; --include-seed --yes</c> in the app root.</summary>
    public async Task<PushOutcome> PushAsync(string appRoot, PostgresUrl database, bool includeSeed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        EnsureInstalled();
        var root = Path.GetFullPath(appRoot);
        List<string> arguments = ["db", "push", "--remote=" + database, "--yes", "--output-format", "json", "--workdir", root];
        if (includeSeed)
        {
            arguments.Insert(3, "--include-seed");
        }

        var result = await RunAsync(root, arguments, cancellationToken).ConfigureAwait(false);
        return Interpret(result);
    }

    internal static PushOutcome Interpret(CommandResult result)
    {
        var json = result.StandardOutput.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith('{'));
        if (json is null)
        {
            return new PushOutcome(false, false, [], [], $"no JSON result from the CLI (exit {result.ExitCode}): {result.Tail(10)}", result);
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.TryGetProperty("error", out var error))
            {
                var code = error.TryGetProperty("code", out var c) ? c.GetString() : "error";
                var message = error.TryGetProperty("message", out var m) ? m.GetString() : error.ToString();
                return new PushOutcome(false, false, [], [], $"{code}: {message}", result);
            }

            static IReadOnlyList<string> Strings(JsonElement root, string name) =>
                root.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
                    ? [.. list.EnumerateArray().Select(e => e.GetString() ?? string.Empty)]
                    : [];

            return new PushOutcome(
                result.Succeeded,
                root.TryGetProperty("upToDate", out var upToDate) && upToDate.ValueKind == JsonValueKind.True,
                Strings(root, "migrations"),
                Strings(root, "seeds"),
                root.TryGetProperty("message", out var msg) ? msg.GetString() ?? string.Empty : string.Empty,
                result);
        }
        catch (JsonException ex)
        {
            return new PushOutcome(false, false, [], [], $"unreadable CLI result ({ex.Message}): {result.Tail(10)}", result);
        }
    }

    private void EnsureInstalled()
    {
        if (!File.Exists(Executable))
        {
            throw new CommandException($"Supabase CLI not found at {Executable}: ./build.sh installs the pinned one into tools/supabase (./build.sh --target=Tools), or set --supabase-cli.");
        }
    }

    private Task<CommandResult> RunAsync(string workingDirectory, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        runner.RunAsync(new CommandSpec(Executable, arguments, workingDirectory)
        {
            Environment = QuietEnvironment,
            StreamOutput = false,
            Timeout = TimeSpan.FromMinutes(10),
        }, cancellationToken);
}
