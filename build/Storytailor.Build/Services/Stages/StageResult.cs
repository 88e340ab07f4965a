using Cake.Core;
using Cake.Core.Diagnostics;
using Storytailor.Checks;

namespace Storytailor.Build.Services.Stages;

/// <summary>Turns a check's outcome into the task's: a failure (or a check that could not run) fails the stage.</summary>
internal static class StageResult
{
    public static void Require(string stage, StageOutcome outcome, string message, ICakeContext context)
    {
        if (outcome == StageOutcome.Failed)
        {
            throw StageFailure.Because($"{stage} failed: {message}");
        }

        context.Log.Write(Verbosity.Normal, LogLevel.Information, "{0}", $"{stage}: {message}");
    }
}
