using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;

namespace Storytailor.Build.Tasks;

/// <summary>
/// A stage whose success is cached by its inputs (see <see cref="StageInputCatalog"/>): it does not run
/// again when it already passed with exactly these inputs; requested directly, it succeeds and does nothing.
/// Derived stages give their inputs and their work; <see cref="SkipReason"/> may keep them from running.
/// </summary>
public abstract class CachedStage : FrostingTask<BuildContext>
{
    public sealed override bool ShouldRun(BuildContext context) => CachedStageRule.ShouldRun(this, context, SkipReason, Inputs);

    public sealed override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.IsCachedTarget(this))
        {
            RunStage(context);
        }
    }

    /// <summary>What the stage's result depends on.</summary>
    protected abstract StageInputs Inputs(BuildContext context);

    /// <summary>Why the stage does not run at all (shown in the task report), or null when it runs unless cached.</summary>
    protected virtual string? SkipReason(BuildContext context) => null;

    protected abstract void RunStage(BuildContext context);
}

/// <summary>The asynchronous <see cref="CachedStage"/>.</summary>
public abstract class CachedAsyncStage : AsyncFrostingTask<BuildContext>
{
    public sealed override bool ShouldRun(BuildContext context) => CachedStageRule.ShouldRun(this, context, SkipReason, Inputs);

    public sealed override Task RunAsync(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.IsCachedTarget(this) ? Task.CompletedTask : RunStageAsync(context);
    }

    /// <summary>What the stage's result depends on.</summary>
    protected abstract StageInputs Inputs(BuildContext context);

    /// <summary>Why the stage does not run at all (shown in the task report), or null when it runs unless cached.</summary>
    protected virtual string? SkipReason(BuildContext context) => null;

    protected abstract Task RunStageAsync(BuildContext context);
}

/// <summary>The one criterion of both cached stage bases: a skip reason first, then the stage cache.</summary>
internal static class CachedStageRule
{
    public static bool ShouldRun(object stage, BuildContext context, Func<BuildContext, string?> skipReason, Func<BuildContext, StageInputs> inputs)
    {
        ArgumentNullException.ThrowIfNull(context);
        return skipReason(context) is { } reason
            ? context.Skip(stage, reason)
            : context.RunUnlessCached(stage, inputs(context));
    }
}
