using Cake.Core;
using Storytailor.Build.Context;

namespace Storytailor.Build.Services.Tools;

/// <summary>
/// The tools of the stages about to run, checked (system tools) or installed (the build's pinned tools) before
/// the first task, from the build's Setup; the Tools target lists them.
/// </summary>
public static class ToolPreparation
{
    /// <summary>Checks and installs the tools <paramref name="stages"/> run; exit 2 naming each missing tool.</summary>
    public static void EnsureFor(BuildContext context, IEnumerable<string> stages)
    {
        ArgumentNullException.ThrowIfNull(context);
        var needed = BuildTools.For(stages);
        if (needed.Count == 0)
        {
            return;
        }

        try
        {
            var ready = new ToolBootstrap(context.Commands, context.BuildLog, context.ToolSetup).EnsureAsync(needed).GetAwaiter().GetResult();
            context.ReadyTools = ready;
            context.BuildLog.Information("Tools: " + string.Join(", ", ready.Select(t => $"{t.Tool.Name} {t.Version}")));
        }
        catch (ToolMissingException ex)
        {
            throw new CakeException(ExitCodes.Usage, ex.Message);
        }
    }
}
