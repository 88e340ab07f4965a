namespace Storytailor.Build.Services.Tools;

/// <summary>Finds an executable on PATH, as a shell would (no shell is started).</summary>
public static class ExecutableSearch
{
    public static string? OnPath(string name, string? path)
    {
        foreach (var folder in (path ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var candidate in OperatingSystem.IsWindows() ? new[] { name + ".exe", name + ".cmd", name + ".bat", name } : [name])
            {
                var full = Path.Combine(folder, candidate);
                if (File.Exists(full) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(full) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0))
                {
                    return full;
                }
            }
        }

        return null;
    }
}
