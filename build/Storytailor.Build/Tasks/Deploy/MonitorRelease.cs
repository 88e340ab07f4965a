using Cake.Frosting;
using Storytailor.Build.Services.Stages;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Deployment;
using Storytailor.Deploy;

namespace Storytailor.Build.Tasks.Deploy;

[TaskName("MonitorRelease")]
[TaskDescription("Monitoring window on the new colour; a breach rolls back to the previous colour")]
[IsDependentOn(typeof(SwitchTraffic))]
public sealed class MonitorRelease : ProductionStage
{
    protected override string Step => DeploymentSteps.Monitoring;

    public override async Task RunAsync(BuildContext context)
    {
        var run = RunOf(context);
        await new ReleaseStages(run.Runtime).MonitorAsync(run);
        if (run.Report is { Succeeded: false } rolledBack)
        {
            throw StageFailure.Because(rolledBack.Summary); // the rollback is done and recorded; OnError releases the lock
        }
    }
}
