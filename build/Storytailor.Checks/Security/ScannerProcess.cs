using Storytailor.Core;

namespace Storytailor.Checks.Security;

/// <summary>Runs a scanner CLI with its output kept for parsing (not streamed).</summary>
internal static class ScannerProcess
{
    /// <summary>The scanner's result, or why it could not run (not installed, timed out).</summary>
    public static async Task<(CommandResult? Result, string? Failure)> RunAsync(CommandRunner runner, CommandSpec spec, CancellationToken cancellationToken)
    {
        try
        {
            return (await runner.RunAsync(spec with { StreamOutput = false }, cancellationToken).ConfigureAwait(false), null);
        }
        catch (CommandException ex)
        {
            return (null, ex.Message);
        }
    }
}
