using Storytailor.Bench.Deploy;
using Storytailor.Build.Tests;
using Storytailor.Rehearsal.Tests;
using Storytailor.FakeAws;

// Times DeployProduction on the rehearsal (fake AWS, real Terraform with a local backend, the example router as blue
// and green, the real build program) and prints figures (for bench/deploy/run.sh; not a test).
// Environment: RUNS (default 5), DNS_INSYNC_DELAY_MS (default 1000), SHIM_FOLDER (bench/deploy/shim, set by run.sh).
BenchSettings settings;
try
{
    settings = BenchSettings.FromEnvironment();
}
catch (BenchException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

using var isolation = new AwsEnvironmentIsolation("deploy-bench");
Console.WriteLine("== preparing the rehearsal (copy of the example, npm ci, build, package; blue and green started)");
await using var rehearsal = await DeployRehearsal.PrepareAsync();
using var shimLog = new TemporaryFolder("storytailor-deploy-bench-");

// From here on (blue and green already run) terraform, node and npm go through the logging shim.
var tools = ToolLog.Install(settings.ShimFolder, Path.Combine(shimLog.Path, "tools.log"));
try
{
    var reactions = new Dictionary<BreachStart, List<ReactionSample>>();
    foreach (var start in Enum.GetValues<BreachStart>())
    {
        var reaction = new RollbackReaction(rehearsal, settings, start);
        reactions[start] = [];
        for (var run = 1; run <= settings.Runs; run++)
        {
            reactions[start].Add(await reaction.MeasureAsync(run));
            Console.WriteLine($"rollback run {run}/{settings.Runs} (breach {start}): {Figures.Ms(reactions[start][^1].Reaction)} ms");
        }
    }

    var overhead = new StepOverhead(rehearsal, settings, tools);
    var samples = new List<OverheadSample>();
    for (var run = 1; run <= settings.Runs; run++)
    {
        samples.Add(await overhead.MeasureAsync(run));
        Console.WriteLine($"successful run {run}/{settings.Runs}: {Figures.Ms(samples[^1].Stretches[^1].Length)} ms");
    }

    Report.Reaction(settings, reactions[BreachStart.EveryPeriod], BreachStart.EveryPeriod);
    Report.Reaction(settings, reactions[BreachStart.LastSample], BreachStart.LastSample);
    Report.Overhead(settings, samples);
    return 0;
}
catch (BenchException ex)
{
    Console.Error.WriteLine($"No figures: {ex.Message}");
    return 1;
}
