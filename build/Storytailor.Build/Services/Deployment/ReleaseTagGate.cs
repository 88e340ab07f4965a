using Cake.Core;
using Cake.Frosting;
using Storytailor.Build.Context;

namespace Storytailor.Build.Services.Deployment;

/// <summary>Before the first task of DeployProduction (dry runs included): HEAD must be the commit the tag names (exit 2 otherwise).</summary>
public static class ReleaseTagGate
{
    public static void EnsureFor(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Targets.Contains("DeployProduction", StringComparer.OrdinalIgnoreCase))
        {
            Ensure(context);
        }
    }

    /// <summary>With a tag: HEAD must be its commit (exit 2 otherwise). Without: nothing to check (DeployProduction's own parameter check stops the run).</summary>
    public static void Ensure(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.ReleaseVersion is not { } tag)
        {
            return;
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
