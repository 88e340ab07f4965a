using System.Globalization;

namespace Storytailor.Bench.Deploy;

/// <summary>
/// The tool runs bench/deploy/shim logged ("start end exit-code tool subcommand", Unix seconds). <see cref="Install"/>
/// puts the shim first on PATH for the processes started from then on (the build, and through it its tools).
/// </summary>
internal sealed class ToolLog(string path)
{
    public static ToolLog Install(string shimFolder, string log)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        Environment.SetEnvironmentVariable("SHIM_REAL_PATH", path);
        Environment.SetEnvironmentVariable("SHIM_LOG", log);
        Environment.SetEnvironmentVariable("PATH", $"{shimFolder}{Path.PathSeparator}{path}");
        return new ToolLog(log);
    }

    public IReadOnlyList<Span> Runs(params string[] tools) =>
        File.Exists(path)
            ? [.. File.ReadAllLines(path).Select(l => l.Split(' ')).Where(f => f.Length >= 4 && tools.Contains(f[3])).Select(f => new Span(FromUnixSeconds(f[0]), FromUnixSeconds(f[1])))]
            : [];

    private static DateTimeOffset FromUnixSeconds(string text) =>
        DateTimeOffset.UnixEpoch + TimeSpan.FromTicks((long)(decimal.Parse(text, CultureInfo.InvariantCulture) * TimeSpan.TicksPerSecond));
}
