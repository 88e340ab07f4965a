using System.Diagnostics;
using System.Text;

namespace Storytailor.Build.Tests;

/// <summary>The result of running the build program as a user would.</summary>
public sealed record BuildRun(int ExitCode, string Output)
{
    public override string ToString() => $"exit {ExitCode}\n{Output}";
}

/// <summary>Runs the compiled build program (or build.sh) as a separate process and captures its output.</summary>
public static class BuildProgram
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string ExampleApp => Path.Combine(RepositoryRoot, "example");

    /// <summary>
    /// The build program in its own output folder (same configuration as the tests), where its
    /// dependencies are laid out for the plain .NET runtime it runs on.
    /// </summary>
    public static string ProgramPath { get; } = Path.Combine(
        RepositoryRoot, "build", "Storytailor.Build", "bin",
        new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name,
        new DirectoryInfo(AppContext.BaseDirectory).Name,
        "Storytailor.Build.dll");

    /// <summary>Runs the build program compiled next to the tests.</summary>
    public static BuildRun Run(string workingDirectory, IDictionary<string, string?>? environment, params string[] args)
    {
        var dll = ProgramPath;
        return Start("dotnet", [dll, .. args], workingDirectory, environment);
    }

    /// <summary>Runs the build program and kills it (SIGKILL, whole process tree, as a lost runner would) when <paramref name="kill"/> is cancelled.</summary>
    public static BuildRun RunUntilKilled(string workingDirectory, IDictionary<string, string?>? environment, CancellationToken kill, params string[] args) =>
        Start("dotnet", [ProgramPath, .. args], workingDirectory, environment, kill: kill);

    public static BuildRun Start(string fileName, IEnumerable<string> args, string workingDirectory, IDictionary<string, string?>? environment, TimeSpan? timeout = null, CancellationToken kill = default)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // A clean, predictable environment: no CI markers of the outer run, no colours.
        info.Environment.Remove("GITHUB_ACTIONS");
        info.Environment.Remove("GITHUB_REF");
        info.Environment["NO_COLOR"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var killing = kill.Register(() =>
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It had already exited.
            }
        });
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish:\n{output}");
        }

        process.WaitForExit();
        lock (output)
        {
            return new BuildRun(process.ExitCode, output.ToString());
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "build.sh")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Repository root (with build.sh) not found.");
    }
}

/// <summary>A temporary folder deleted at the end of the test.</summary>
public sealed class TemporaryFolder : IDisposable
{
    public TemporaryFolder(string prefix = "storytailor-") => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process started by the test may still hold a file; the OS temp cleaner removes it.
        }
    }
}
