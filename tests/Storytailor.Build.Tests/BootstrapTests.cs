namespace Storytailor.Build.Tests;

[TestFixture]
public sealed class BootstrapTests
{
    [Test]
    public void Build_sh_stops_with_exit_2_naming_the_sdk_global_json_asks_for_when_it_is_missing()
    {
        using var folder = new TemporaryFolder();
        File.Copy(Path.Combine(BuildProgram.RepositoryRoot, "build.sh"), Path.Combine(folder.Path, "build.sh"));
        File.WriteAllText(Path.Combine(folder.Path, "global.json"), """{ "sdk": { "version": "99.0.100", "rollForward": "latestPatch" } }""");

        var run = BuildProgram.Start("bash", ["build.sh", "--version"], folder.Path, null);

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.Contain("the .NET SDK that global.json asks for (99.0.100").And.Contain("Installed SDKs:"));
    }

    [Test]
    public void Build_sh_stops_with_exit_2_when_dotnet_is_not_installed()
    {
        using var folder = new TemporaryFolder();
        File.Copy(Path.Combine(BuildProgram.RepositoryRoot, "build.sh"), Path.Combine(folder.Path, "build.sh"));
        File.Copy(Path.Combine(BuildProgram.RepositoryRoot, "global.json"), Path.Combine(folder.Path, "global.json"));

        // A PATH with the shell tools build.sh uses, but no dotnet.
        var tools = Directory.CreateDirectory(Path.Combine(folder.Path, "tools")).FullName;
        foreach (var tool in new[] { "bash", "dirname", "grep", "cut", "tr", "cat" })
        {
            File.CreateSymbolicLink(Path.Combine(tools, tool), Path.Combine("/usr/bin", tool) is var usr && File.Exists(usr) ? usr : Path.Combine("/bin", tool));
        }

        var run = BuildProgram.Start("/bin/bash", ["build.sh", "--version"], folder.Path, new Dictionary<string, string?> { ["PATH"] = tools });

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.Contain("the .NET SDK is not installed (dotnet is not on PATH)"));
    }

    [Test]
    public void Build_sh_runs_the_compiled_program_without_rebuilding_when_nothing_changed()
    {
        var first = BuildProgram.Start("bash", ["build.sh", "--version"], BuildProgram.RepositoryRoot, null);
        var second = BuildProgram.Start("bash", ["build.sh", "--version"], BuildProgram.RepositoryRoot, null);

        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
        Assert.That(second.Output, Does.Contain("Storytailor.Build").And.Not.Contain("compiling the build program"));
    }
}
