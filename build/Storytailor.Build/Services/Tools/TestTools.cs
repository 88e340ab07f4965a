using Storytailor.Build.Context;
using Storytailor.Core;
using Storytailor.Load;

namespace Storytailor.Build.Services.Tools;

/// <summary>The optional external test tools, found on PATH the same way for the test targets and the deployments' tests.</summary>
public static class TestTools
{
    /// <summary>k6 on PATH, or null (the built-in load engine runs instead).</summary>
    public static string? K6(EnvironmentVariables variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        return ExecutableSearch.OnPath("k6", variables.SearchPath);
    }

    /// <summary>A runnable OWASP ZAP (zap-baseline.py, zap.sh, or a working docker), or null.</summary>
    public static Task<ZapInvocation?> ZapAsync(CommandRunner commands, EnvironmentVariables variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var path = variables.SearchPath;
        return ZapLocator.FindAsync(
            commands,
            ExecutableSearch.OnPath("zap-baseline.py", path),
            ExecutableSearch.OnPath("zap.sh", path),
            ExecutableSearch.OnPath("docker", path));
    }
}
