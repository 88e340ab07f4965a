using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;
using Storytailor.Deploy;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("TestIdleColour")]
[TaskDescription("Smoke suite, load test and security probes against the idle colour's endpoint")]
[IsDependentOn(typeof(WarmUp))]
public sealed class TestIdleColour : ProductionStage
{
    protected override string Step => DeploymentSteps.Tests;

    public override bool ShouldRun(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.ProductionRun is null && context.SkipTests
            ? context.Skip(this, $"--skip-tests: {context.SkipTestsReason}")
            : base.ShouldRun(context);
    }

    public override Task RunAsync(BuildContext context)
    {
        var run = RunOf(context);
        return new IdleColourStages(run.Runtime).TestAsync(run);
    }

    protected override Task RecordSkippedAsync(ProductionRun run) => new IdleColourStages(run.Runtime).RecordTestsSkippedAsync(run);
}
