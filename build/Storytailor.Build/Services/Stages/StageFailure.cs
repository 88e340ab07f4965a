using Cake.Core;

namespace Storytailor.Build.Services.Stages;

/// <summary>A pipeline stage failed: exit code 1, with a message naming the stage and the cause.</summary>
public static class StageFailure
{
    public static CakeException Because(string message) => new(1, message);

    /// <summary>"Stage failed:" and one indented line per cause.</summary>
    public static CakeException Because(string stage, IEnumerable<string> failures) =>
        Because($"{stage} failed:{Environment.NewLine}  {string.Join($"{Environment.NewLine}  ", failures)}");
}
