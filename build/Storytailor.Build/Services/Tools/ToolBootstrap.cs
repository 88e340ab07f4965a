using System.Text.Json;
using Storytailor.Core;

namespace Storytailor.Build.Services.Tools;

/// <summary>Where the build finds its tools: the pinned Terraform version file and the Supabase CLI (the pinned one unless overridden).</summary>
public sealed record ToolSettings(string TerraformVersionFile, string SupabaseCli, PinnedNpmTool PinnedSupabaseCli);

/// <summary>A tool the requested stages need is missing or has the wrong version; the message says which and how to install it.</summary>
public sealed class ToolMissingException(string message) : Exception(message);

/// <summary>One tool, ready, with the version it reported.</summary>
public sealed record ReadyTool(BuildTool Tool, string Version, bool Installed);

/// <summary>
/// Before the first task: checks the system tools the requested stages run (all problems at once) and installs
/// the build's pinned tools when they are missing, outdated or damaged.
/// </summary>
public sealed class ToolBootstrap(CommandRunner runner, IBuildLog log, ToolSettings settings)
{
    private static readonly IReadOnlyDictionary<string, string?> Quiet = new Dictionary<string, string?> { ["CHECKPOINT_DISABLE"] = "1" };

    public async Task<IReadOnlyList<ReadyTool>> EnsureAsync(IReadOnlyList<BuildTool> tools, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var ready = new List<ReadyTool>();
        var problems = new List<string>();
        foreach (var tool in tools.Where(t => t.Source == ToolSource.System))
        {
            var (version, problem) = await SystemToolAsync(tool, cancellationToken).ConfigureAwait(false);
            if (problem is null)
            {
                ready.Add(new ReadyTool(tool, version!, false));
            }
            else
            {
                problems.Add(problem);
            }
        }

        if (problems.Count > 0)
        {
            throw new ToolMissingException($"Missing or wrong tool(s) for this build:{Environment.NewLine}  {string.Join($"{Environment.NewLine}  ", problems)}");
        }

        foreach (var tool in tools.Where(t => t.Source == ToolSource.Pinned))
        {
            ready.Add(await PinnedToolAsync(tool, cancellationToken).ConfigureAwait(false));
        }

        return ready;
    }

    /// <summary>The Terraform version the repository pins (first line of the version file).</summary>
    public string PinnedTerraformVersion()
    {
        if (!File.Exists(settings.TerraformVersionFile))
        {
            throw new ToolMissingException($"The pinned Terraform version file {settings.TerraformVersionFile} does not exist: it names the Terraform version the build and the workflows use (e.g. 1.11.4).");
        }

        var version = File.ReadLines(settings.TerraformVersionFile).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith('#'));
        return version is not null && System.Text.RegularExpressions.Regex.IsMatch(version, @"^\d+\.\d+\.\d+$")
            ? version
            : throw new ToolMissingException($"{settings.TerraformVersionFile} must name one Terraform version (MAJOR.MINOR.PATCH), found '{version}'.");
    }

    private async Task<(string? Version, string? Problem)> SystemToolAsync(BuildTool tool, CancellationToken cancellationToken)
    {
        var wanted = tool == BuildTools.Terraform ? PinnedTerraformVersion() : null;
        var arguments = tool == BuildTools.Terraform ? new[] { "version", "-json" } : ["--version"];
        var hint = tool.HowToInstall.Replace("{version}", wanted, StringComparison.Ordinal);
        CommandResult result;
        try
        {
            result = await runner.RunAsync(new CommandSpec(tool.Name, arguments, Path.GetTempPath())
            {
                Environment = Quiet,
                StreamOutput = false,
                Timeout = TimeSpan.FromMinutes(1),
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandException)
        {
            return (null, $"{tool.Name}{(wanted is null ? string.Empty : " " + wanted)} is not installed (not on PATH); it {tool.Purpose}: {hint}.");
        }

        if (!result.Succeeded)
        {
            return (null, $"'{tool.Name} {string.Join(' ', arguments)}' failed (exit {result.ExitCode}): {result.Tail(3)}; {hint}.");
        }

        var version = tool == BuildTools.Terraform
            ? TerraformVersion(result.StandardOutput)
            : result.StandardOutput.Trim().Split('\n')[0].Replace("git version ", string.Empty, StringComparison.Ordinal).Trim();
        if (tool == BuildTools.Node)
        {
            var npm = await NpmVersionAsync(cancellationToken).ConfigureAwait(false);
            if (npm is null)
            {
                return (null, $"npm is not installed (node {version} is): {hint}.");
            }

            version += ", npm " + npm;
        }

        return wanted is not null && version != wanted
            ? (null, $"terraform {version} is installed, but {Path.GetFileName(settings.TerraformVersionFile)} pins {wanted}: {hint}.")
            : (version, null);
    }

    private async Task<string?> NpmVersionAsync(CancellationToken cancellationToken)
    {
        try
        {
            var npm = await runner.RunAsync(new CommandSpec("npm", ["--version"], Path.GetTempPath()) { StreamOutput = false, Timeout = TimeSpan.FromMinutes(1) }, cancellationToken).ConfigureAwait(false);
            return npm.Succeeded ? npm.StandardOutput.Trim() : null;
        }
        catch (CommandException)
        {
            return null;
        }
    }

    private static string TerraformVersion(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.TryGetProperty("terraform_version", out var v) ? v.GetString() ?? "(unknown)" : "(unknown)";
        }
        catch (JsonException)
        {
            return json.Trim().Split('\n')[0].Replace("Terraform v", string.Empty, StringComparison.Ordinal).Trim();
        }
    }

    private async Task<ReadyTool> PinnedToolAsync(BuildTool tool, CancellationToken cancellationToken)
    {
        var pinned = settings.PinnedSupabaseCli;
        if (!string.Equals(Path.GetFullPath(settings.SupabaseCli), pinned.Executable, StringComparison.Ordinal))
        {
            // The user named another CLI: it is theirs to install.
            return File.Exists(settings.SupabaseCli)
                ? new ReadyTool(tool, "at " + settings.SupabaseCli, false)
                : throw new ToolMissingException($"The Supabase CLI named by --supabase-cli does not exist: {settings.SupabaseCli}. Leave the option out to use the pinned one (./build.sh installs it into tools/supabase).");
        }

        try
        {
            var installed = await pinned.EnsureAsync(runner, log, TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
            return new ReadyTool(tool, pinned.PinnedVersion, installed);
        }
        catch (ToolInstallException ex)
        {
            throw new ToolMissingException(ex.Message);
        }
    }
}
