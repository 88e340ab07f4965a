namespace Storytailor.Bench.Deploy;

/// <summary>Prints the two figures: median and maximum over the runs.</summary>
internal static class Report
{
    public static void Reaction(BenchSettings settings, IReadOnlyList<ReactionSample> runs, BreachStart start)
    {
        var everyPeriod = start == BreachStart.EveryPeriod;
        var window = everyPeriod ? settings.RollbackMonitoringWindow : settings.MonitoringWindow;
        var nominal = everyPeriod
            ? settings.PollInterval * settings.ConsecutiveBreaches
            : window + (settings.PollInterval * (settings.ConsecutiveBreaches - 1));
        Console.WriteLine();
        Console.WriteLine($"== 1{(everyPeriod ? "a" : "b")}. Rollback reaction ({runs.Count} runs; --skip-tests, green's 5XX rate 10% "
            + (everyPeriod ? "in every period from before the switch on" : "from the window's last period on (the window extends)")
            + $", --monitoring-window={BenchSettings.Seconds(window)} --poll-interval={BenchSettings.Seconds(settings.PollInterval)} --consecutive-breaches={settings.ConsecutiveBreaches}; median (max))");
        Console.WriteLine($"Given: the fake Route 53 answers INSYNC {Figures.Ms(settings.InSyncDelay)} ms after a change is submitted (DNS_INSYNC_DELAY_MS); the build polls every 250 ms.");
        Console.WriteLine($"Breaching sample → public record reverted and INSYNC: {Figures.MedianMax(runs.Select(r => r.Reaction))}");
        Console.WriteLine($"  sample's last read answered → revert submitted (the build: ledger writes, record re-read, UPSERT): {Figures.MedianMax(runs.Select(r => r.Decision))}");
        Console.WriteLine($"  revert submitted → INSYNC (the fake's delay):                                              {Figures.MedianMax(runs.Select(r => r.InSync))}");
        Console.WriteLine($"  (not in the figure) INSYNC → the build read INSYNC:                                        {Figures.MedianMax(runs.Select(r => r.InSyncSeenAfter))}");
        Console.WriteLine($"  (source check) the ledger's monitoring step ended this long after the sample's last read: {Figures.MedianMax(runs.Select(r => r.LedgerAfterSample))}");
        Console.WriteLine($"Split: breach detection, switch INSYNC read → breaching sample {string.Join("/", runs.Select(r => r.DecidingSample).Distinct())}: "
            + $"{Figures.MedianMax(runs.Select(r => r.Detection))} ({(everyPeriod ? "poll interval × breaches" : "window + poll interval × (breaches − 1)")} = {Figures.Ms(nominal)} ms; each sample also probes the public URL's health routes and read route)");
        Console.WriteLine($"       revert + INSYNC (the figure above): {Figures.MedianMax(runs.Select(r => r.Reaction))}");
    }

    public static void Overhead(BenchSettings settings, IReadOnlyList<OverheadSample> runs)
    {
        Console.WriteLine();
        Console.WriteLine($"== 2. The build's overhead per step of a successful DeployProduction ({runs.Count} runs; tests included, "
            + $"--monitoring-window={BenchSettings.Seconds(settings.MonitoringWindow)}, load {BenchSettings.Seconds(settings.LoadDuration)} at 10 req/s; ms, median, (max) where given)");
        Console.WriteLine("length: the ledger's step times (start-up: from the launch; exit: to the process end); external = terraform ∪ node/npm ∪ AWS ∪ HTTP ∪ fixed waits (overlaps once); overhead = length − external");
        var rows = runs[0].Stretches.Select(s => s.Name).ToList();
        Console.WriteLine($"{"stretch",-32} {"length",17} {"terraform",9} {"node/npm",8} {"AWS",7} {"HTTP",7} {"waits",7} {"external",9} {"overhead",17}");
        for (var i = 0; i < rows.Count; i++)
        {
            var row = runs.Select(r => r.Stretches[i]).ToList();
            string Median(Func<Stretch, TimeSpan> pick) => Figures.Ms(Figures.Median(row.Select(pick)));
            string WithMax(Func<Stretch, TimeSpan> pick) => $"{Median(pick)} ({Figures.Ms(row.Max(pick))})";
            Console.WriteLine($"{rows[i],-32} {WithMax(s => s.Length),17} {Median(s => s.Terraform),9} {Median(s => s.Node),8} {Median(s => s.Aws),7} {Median(s => s.Http),7} {Median(s => s.Waits),7} {Median(s => s.External),9} {WithMax(s => s.Overhead),17}");
        }

        Console.WriteLine($"Process start-up to the first step (launch → ledger preflight start): {Figures.MedianMax(runs.Select(r => r.Stretches[0].Length))}; "
            + $"of it launch → first AWS call (host start-up, parameter checks, cached Restore/Compile/Package): {Figures.MedianMax(runs.Select(r => r.LaunchToFirstAwsCall))}");
    }
}
