using Storytailor.Build.Services.Stages;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;

namespace Storytailor.Build.Tasks.Deploy;

/// <summary>How the deployment targets end: the summary in the log, exit 1 when the run did not succeed.</summary>
internal static class DeploymentOutput
{
    public static void Finish(BuildContext context, string target, DeploymentReport report)
    {
        if (report.LedgerKey is { } key)
        {
            context.BuildLog.Information($"Ledger record: {key} (local copy {context.Artifacts.PathOf(key)}).");
        }

        if (!report.Succeeded)
        {
            throw StageFailure.Because($"{target} failed: {report.Summary}");
        }

        context.BuildLog.Information($"{target}: {report.Summary}");
    }
}
