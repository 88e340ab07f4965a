using Cake.Core;
using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;

namespace Storytailor.Build.Tasks.Deploy;

/// <summary>Before the first task of DeployProduction (dry runs included): HEAD must be the commit the tag names (exit 2 otherwise).</summary>
public static class ReleaseTagGate
{
    public static void EnsureFor(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Targets.Contains("DeployProduction", StringComparer.OrdinalIgnoreCase) || context.ReleaseVersion is not { } tag)
        {
            return; // no tag: DeployProduction's own parameter check stops the run
        }

        try
        {
            var release = new ReleaseTagVerifier(context.Commands).VerifyAsync(context.AppRoot, tag).GetAwaiter().GetResult();
            context.BuildLog.Information($"Release {release.Tag}: HEAD is {release.Commit}, the commit the tag names.");
        }
        catch (ReleaseTagMismatchException ex)
        {
            throw new CakeException(ExitCodes.Usage, ex.Message);
        }
    }
}
