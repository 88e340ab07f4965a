using System.Globalization;

namespace Storytailor.Bench.Deploy;

/// <summary>What the runs use: their count, the fake Route 53's INSYNC delay, the monitoring windows, the tool shim.</summary>
internal sealed record BenchSettings(int Runs, TimeSpan InSyncDelay, string ShimFolder)
{
    /// <summary>The rehearsal's cake.config: DnsSyncTimeout=3s, RecordTtl=1.</summary>
    public static readonly TimeSpan DnsSyncTimeout = TimeSpan.FromSeconds(3);

    public static readonly TimeSpan RecordTtl = TimeSpan.FromSeconds(1);

    public TimeSpan PollInterval { get; } = TimeSpan.FromSeconds(1);

    public int ConsecutiveBreaches { get; } = 2;

    /// <summary>The successful run's window (the rehearsal's); the rollback run's is long enough never to end first.</summary>
    public TimeSpan MonitoringWindow { get; } = TimeSpan.FromSeconds(3);

    public TimeSpan RollbackMonitoringWindow { get; } = TimeSpan.FromSeconds(60);

    /// <summary>The pre-promotion load test: 10 req/s for this long, no warm-up (the rehearsal's).</summary>
    public TimeSpan LoadDuration { get; } = TimeSpan.FromSeconds(2);

    /// <summary>RUNS (default 5), DNS_INSYNC_DELAY_MS (default 1000, below the 3 s DNS timeout), SHIM_FOLDER (set by run.sh).</summary>
    public static BenchSettings FromEnvironment()
    {
        var runs = int.Parse(Environment.GetEnvironmentVariable("RUNS") ?? "5", CultureInfo.InvariantCulture);
        var delay = TimeSpan.FromMilliseconds(int.Parse(Environment.GetEnvironmentVariable("DNS_INSYNC_DELAY_MS") ?? "1000", CultureInfo.InvariantCulture));
        var shim = Environment.GetEnvironmentVariable("SHIM_FOLDER");
        if (runs < 1 || delay < TimeSpan.Zero || delay >= DnsSyncTimeout)
        {
            throw new BenchException($"RUNS must be at least 1 and DNS_INSYNC_DELAY_MS below {Figures.Ms(DnsSyncTimeout)} (the rehearsal's DNS timeout; a longer delay reverts every switch).");
        }

        return string.IsNullOrEmpty(shim) || !File.Exists(Path.Combine(shim, "terraform"))
            ? throw new BenchException("SHIM_FOLDER does not name bench/deploy/shim: run the bench through bench/deploy/run.sh.")
            : new BenchSettings(runs, delay, shim);
    }

    public static string Seconds(TimeSpan value) => $"{value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s";
}
