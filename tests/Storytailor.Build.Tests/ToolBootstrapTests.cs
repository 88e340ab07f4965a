using Storytailor.Core;

namespace Storytailor.Build.Tests;

/// <summary>
/// The build's own tools: the pinned Supabase CLI installed (really, from the npm registry) when missing,
/// outdated or damaged, never twice; system tools missing or at the wrong version stop the build with exit 2.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class ToolBootstrapTests
{
    private static readonly string PinnedFolder = Path.Combine(BuildProgram.RepositoryRoot, "tools", "supabase");

    private static PinnedNpmTool CopyOfThePinnedCli(TemporaryFolder folder)
    {
        var target = Directory.CreateDirectory(Path.Combine(folder.Path, "tools", "supabase")).FullName;
        foreach (var file in new[] { "package.json", "package-lock.json" })
        {
            File.Copy(Path.Combine(PinnedFolder, file), Path.Combine(target, file));
        }

        return new PinnedNpmTool("Supabase CLI", target, "supabase", Path.Combine("node_modules", ".bin", "supabase"));
    }

    private static async Task<string> VersionOf(PinnedNpmTool tool)
    {
        var result = await new CommandRunner(new RecordingLog(), new SecretRedactor())
            .RunAsync(new CommandSpec(tool.Executable, ["--version"], Path.GetTempPath()) { StreamOutput = false });
        return result.StandardOutput.Trim();
    }

    [Test]
    public async Task A_missing_install_is_installed_once_and_then_left_alone()
    {
        using var folder = new TemporaryFolder("storytailor-tools-");
        var tool = CopyOfThePinnedCli(folder);
        var log = new RecordingLog();
        var runner = new CommandRunner(log, new SecretRedactor());

        Assert.That(tool.Check().Reason, Is.EqualTo("not installed"));
        Assert.That(await tool.EnsureAsync(runner, log, TimeSpan.FromMinutes(5)), Is.True);
        Assert.That(tool.Check().Ready, Is.True, tool.Check().Reason);
        Assert.That(await VersionOf(tool), Is.EqualTo("3.1.0"));
        Assert.That(log.Lines, Has.Some.Contains("Installing Supabase CLI 3.1.0").And.Some.Contains("Supabase CLI 3.1.0 installed"));
        Assert.That(Directory.GetDirectories(tool.Folder, ".install-*"), Is.Empty, "no temporary install folder left behind");

        var second = new RecordingLog();
        Assert.That(await tool.EnsureAsync(new CommandRunner(second, new SecretRedactor()), second, TimeSpan.FromMinutes(5)), Is.False);
        Assert.That(second.Lines, Has.None.Contains("Installing"));
    }

    [Test]
    public async Task Damaged_and_outdated_installs_are_repaired()
    {
        using var folder = new TemporaryFolder("storytailor-tools-");
        var tool = CopyOfThePinnedCli(folder);
        var log = new RecordingLog();
        var runner = new CommandRunner(log, new SecretRedactor());
        await tool.EnsureAsync(runner, log, TimeSpan.FromMinutes(5));

        // Damaged: the platform binary's package half gone (an interrupted copy, a cleaner that went too far).
        var platform = Directory.GetDirectories(Path.Combine(tool.NodeModules, "@supabase")).First();
        Directory.Delete(platform, recursive: true);
        Assert.That(tool.Check().Reason, Does.StartWith("damaged"));
        Assert.That(await tool.EnsureAsync(runner, log, TimeSpan.FromMinutes(5)), Is.True);
        Assert.That(tool.Check().Ready, Is.True, tool.Check().Reason);
        Assert.That(await VersionOf(tool), Is.EqualTo("3.1.0"));

        // A file truncated in place.
        var script = Path.Combine(tool.NodeModules, "supabase", "dist", "supabase.js");
        File.WriteAllText(script, string.Empty);
        Assert.That(tool.Check().Reason, Does.StartWith("damaged"));
        Assert.That(await tool.EnsureAsync(runner, log, TimeSpan.FromMinutes(5)), Is.True);
        Assert.That(new FileInfo(script).Length, Is.GreaterThan(0));

        // Outdated: the pin changed after the install.
        var manifest = Path.Combine(tool.Folder, "package.json");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"private\": true", "\"private\": true, \"license\": \"UNLICENSED\"", StringComparison.Ordinal));
        Assert.That(tool.Check().Reason, Does.StartWith("outdated"));
        Assert.That(await tool.EnsureAsync(runner, log, TimeSpan.FromMinutes(5)), Is.True);
        Assert.That(tool.Check().Ready, Is.True, tool.Check().Reason);
    }

    [Test]
    public void Without_network_the_build_stops_with_exit_2_saying_the_registry_cannot_be_reached()
    {
        using var folder = new TemporaryFolder("storytailor-tools-");
        var tool = CopyOfThePinnedCli(folder);
        File.Copy(Path.Combine(BuildProgram.RepositoryRoot, ".terraform-version"), Path.Combine(folder.Path, ".terraform-version"));
        var emptyCache = Directory.CreateDirectory(Path.Combine(folder.Path, "npm-cache")).FullName;

        var run = BuildProgram.Run(folder.Path, new Dictionary<string, string?>
        {
            ["npm_config_registry"] = "http://127.0.0.1:9/",
            ["npm_config_cache"] = emptyCache,
        }, "--target=Tools", $"--app-root={BuildProgram.ExampleApp}");

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.Contain("Could not install Supabase CLI 3.1.0").And.Contain("the npm registry cannot be reached").And.Contain("127.0.0.1:9"));
        Assert.That(Directory.Exists(tool.NodeModules), Is.False, "no half install in place");
        Assert.That(Directory.GetDirectories(tool.Folder, ".install-*"), Is.Empty);
    }

    [Test]
    public void A_missing_system_tool_stops_the_build_with_exit_2_naming_it_and_how_to_install_it()
    {
        using var folder = new TemporaryFolder("storytailor-tools-");
        var bin = Directory.CreateDirectory(Path.Combine(folder.Path, "bin")).FullName;
        foreach (var tool in new[] { "node", "npm", "git" })
        {
            File.CreateSymbolicLink(Path.Combine(bin, tool), Which(tool));
        }

        var run = BuildProgram.Start(Which("dotnet"), [BuildProgram.ProgramPath, "--target=TerraformValidate", $"--app-root={BuildProgram.ExampleApp}"], BuildProgram.RepositoryRoot,
            new Dictionary<string, string?> { ["PATH"] = bin });

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.Contain("terraform 1.11.4 is not installed").And.Contain("hashicorp/setup-terraform").And.Contain("https://developer.hashicorp.com/terraform/install"));
        Assert.That(run.Output, Does.Not.Match(@"TerraformValidate\s+\d\d:\d\d"), "no task ran");
    }

    [Test]
    public void A_terraform_other_than_the_pinned_version_stops_the_build_with_exit_2_naming_both()
    {
        using var folder = new TemporaryFolder("storytailor-tools-");
        File.WriteAllText(Path.Combine(folder.Path, ".terraform-version"), "1.99.0\n");

        var run = BuildProgram.Run(folder.Path, null, "--target=TerraformValidate", $"--app-root={BuildProgram.ExampleApp}");

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.Contain("terraform 1.11.4 is installed, but .terraform-version pins 1.99.0"));
    }

    [Test]
    public void The_pinned_terraform_version_is_the_one_on_this_machine()
    {
        var pinned = File.ReadAllText(Path.Combine(BuildProgram.RepositoryRoot, ".terraform-version")).Trim();
        var run = BuildProgram.Run(BuildProgram.RepositoryRoot, null, "--target=Tools");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain($"terraform {pinned}").And.Contain("supabase 3.1.0"));
    }

    private static string Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists) ?? throw new InvalidOperationException($"{tool} is not on PATH");
}
