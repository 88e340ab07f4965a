using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Tools;

namespace Storytailor.Build.Tasks.Preflight;

/// <summary>
/// The tools of the stages about to run, checked (system tools) or installed (the build's pinned tools) before
/// the first task; see <see cref="BuildLifetime"/>. The Tools target does it for every tool and lists them.
/// </summary>
[TaskName("Tools")]
[TaskDescription("Installs the build's pinned tools (tools/supabase) when missing, outdated or damaged, checks node, git and the pinned terraform, and lists them")]
public sealed class Tools : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var tool in context.ReadyTools)
        {
            context.BuildLog.Information($"{tool.Tool.Name,-10} {tool.Version,-28} {tool.Tool.Purpose}");
        }
    }

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
