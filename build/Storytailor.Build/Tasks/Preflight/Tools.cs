using Cake.Core.Diagnostics;
using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Tools;

namespace Storytailor.Build.Tasks.Preflight;

/// <summary>
/// Lists the tools: the build's Setup checks or installs them for every stage about to run (see
/// <see cref="ToolPreparation"/>); for this target, that is every tool.
/// </summary>
[TaskName("Tools")]
[TaskDescription("Installs the build's pinned tools, checks node, git and the pinned terraform, and lists them")]
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
}
