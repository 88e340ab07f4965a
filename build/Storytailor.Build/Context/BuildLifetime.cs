using Cake.Common.Build;
using Cake.Core;
using Cake.Frosting;
using Storytailor.Build.Secrets;

namespace Storytailor.Build.Context;

/// <summary>Before the first task: mask secrets in GitHub's log, check or install the tools the stages run, prepare the artifacts folder.</summary>
public sealed class BuildLifetime : FrostingLifetime<BuildContext>
{
    public override void Setup(BuildContext context, ISetupContext info)
    {
        ArgumentNullException.ThrowIfNull(context);
        var github = context.GitHubActions();
        if (github.IsRunningOnGitHubActions)
        {
            foreach (var value in SecretEnvironment.SecretValues(SecretEnvironment.Current()))
            {
                github.Commands.SetSecret(value);
            }
        }

        ArgumentNullException.ThrowIfNull(info);
        Services.Tools.ToolPreparation.EnsureFor(context, info.TasksToExecute.Select(t => t.Name));
        Services.Deployment.ReleaseTagGate.EnsureFor(context);
        Directory.CreateDirectory(context.ArtifactsDirectory);
        Services.Deployment.ArtifactSourceGate.ResolveFor(context, [.. info.TasksToExecute.Select(t => t.Name)]);
        Services.Deployment.DeploymentDryRun.PrintIfRequested(context);
    }

    public override void Teardown(BuildContext context, ITeardownContext info)
    {
    }
}

/// <summary>Around every task: a collapsible log group when running on GitHub Actions.</summary>
public sealed class TaskLifetime : FrostingTaskLifetime<BuildContext>
{
    public override void Setup(BuildContext context, ITaskSetupContext info)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(info);
        if (context.GitHubActions().IsRunningOnGitHubActions)
        {
            context.GitHubActions().Commands.StartGroup(info.Task.Name);
        }
    }

    public override void Teardown(BuildContext context, ITaskTeardownContext info)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(info);
        if (info.Successful && !info.Skipped && context.PendingCacheKeys.Remove(info.Task.Name, out var key))
        {
            context.Cache.Record(info.Task.Name, key);
        }

        if (context.GitHubActions().IsRunningOnGitHubActions)
        {
            context.GitHubActions().Commands.EndGroup();
        }
    }
}
