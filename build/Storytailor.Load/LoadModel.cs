using System.Globalization;
using HdrHistogram;

namespace Storytailor.Load;

public enum LoadModel
{
    /// <summary>Constant arrival rate: requests start on schedule whatever the server does.</summary>
    Open,

    /// <summary>Virtual users: each sends its next request when the previous one finished (plus think time).</summary>
    Closed,
}

/// <summary>How much load, for how long. Open: Rate and MaxInFlight; closed: VirtualUsers and ThinkTime.</summary>
public sealed record LoadProfile(string Name, LoadModel Model, TimeSpan Duration)
{
    /// <summary>Requests per second (open model).</summary>
    public double Rate { get; init; } = 10;

    /// <summary>Requests allowed in flight at once; a request due while this many are pending is dropped (open model).</summary>
    public int MaxInFlight { get; init; } = 1000;

    /// <summary>Concurrent virtual users (closed model).</summary>
    public int VirtualUsers { get; init; } = 10;

    /// <summary>Pause of each virtual user between requests (closed model).</summary>
    public TimeSpan ThinkTime { get; init; } = TimeSpan.Zero;

    /// <summary>Load applied before the measured period; its requests are not in the result.</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.Zero;

    /// <summary>Per-request timeout; a request that times out counts as failed.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public IReadOnlyList<Threshold> Thresholds { get; init; } = [];

    public string Describe() => Model == LoadModel.Open
        ? string.Create(CultureInfo.InvariantCulture, $"{Name}: open model, {Rate:0.##} req/s for {Duration.TotalSeconds:0.#} s (warm-up {WarmUp.TotalSeconds:0.#} s, max {MaxInFlight} in flight)")
        : string.Create(CultureInfo.InvariantCulture, $"{Name}: closed model, {VirtualUsers} virtual users for {Duration.TotalSeconds:0.#} s (warm-up {WarmUp.TotalSeconds:0.#} s, think {ThinkTime.TotalMilliseconds:0} ms)");

    public void Validate()
    {
        if (Duration <= TimeSpan.Zero)
        {
            throw new LoadConfigurationException($"Profile '{Name}': duration must be positive (was {Duration}).");
        }

        if (WarmUp < TimeSpan.Zero || ThinkTime < TimeSpan.Zero)
        {
            throw new LoadConfigurationException($"Profile '{Name}': warm-up and think time cannot be negative.");
        }

        if (Model == LoadModel.Open && (Rate <= 0 || MaxInFlight <= 0))
        {
            throw new LoadConfigurationException($"Profile '{Name}': open model needs a positive rate and max in flight (rate {Rate}, max in flight {MaxInFlight}).");
        }

        if (Model == LoadModel.Closed && VirtualUsers <= 0)
        {
            throw new LoadConfigurationException($"Profile '{Name}': closed model needs at least one virtual user (was {VirtualUsers}).");
        }
    }
}

/// <summary>Caller overrides of a profile's size (from build parameters); null keeps the profile's value.</summary>
public sealed record LoadOverrides(TimeSpan? Duration = null, double? Rate = null, int? VirtualUsers = null, TimeSpan? WarmUp = null, int? MaxInFlight = null)
{
    public LoadProfile ApplyTo(LoadProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return profile with
        {
            Duration = Duration ?? profile.Duration,
            Rate = Rate ?? profile.Rate,
            VirtualUsers = VirtualUsers ?? profile.VirtualUsers,
            WarmUp = WarmUp ?? profile.WarmUp,
            MaxInFlight = MaxInFlight ?? profile.MaxInFlight,
        };
    }
}

/// <summary>Latency statistics in milliseconds, from an HdrHistogram recorded in microseconds.</summary>
public sealed record LatencySummary(long Count, double MinMs, double AverageMs, double MedianMs, double P90Ms, double P95Ms, double P99Ms, double MaxMs)
{
    private readonly HistogramBase? _source;

    private LatencySummary(HistogramBase source)
        : this(
            source.TotalCount,
            source.LowestEquivalentValue(MinOf(source)) / 1000.0,
            source.GetMean() / 1000.0,
            source.GetValueAtPercentile(50) / 1000.0,
            source.GetValueAtPercentile(90) / 1000.0,
            source.GetValueAtPercentile(95) / 1000.0,
            source.GetValueAtPercentile(99) / 1000.0,
            source.GetMaxValue() / 1000.0)
    {
        _source = source;
    }

    /// <summary>Any percentile; exact from the histogram when there is one, else the nearest stored one.</summary>
    public double Percentile(double percentile) => _source is not null
        ? _source.GetValueAtPercentile(percentile) / 1000.0
        : percentile switch
        {
            <= 50 => MedianMs,
            <= 90 => P90Ms,
            <= 95 => P95Ms,
            <= 99 => P99Ms,
            _ => MaxMs,
        };

    public static LatencySummary? From(HistogramBase histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        return histogram.TotalCount == 0 ? null : new LatencySummary(histogram.Copy());
    }

    private static long MinOf(HistogramBase histogram)
    {
        foreach (var value in histogram.RecordedValues())
        {
            return value.ValueIteratedTo;
        }

        return 0;
    }
}

/// <summary>Measured state at a moment (live) or at the end (final): the threshold inputs.</summary>
public sealed record LoadSnapshot(long Requests, long Failed, long Dropped, double ElapsedSeconds, LatencySummary? Latency)
{
    public double ErrorRate => Requests == 0 ? 0 : (double)Failed / Requests;

    public double RequestsPerSecond => ElapsedSeconds <= 0 ? 0 : Requests / ElapsedSeconds;
}

/// <summary>Live progress, reported once a second. WarmingUp is true before the measured period starts.</summary>
public sealed record LoadProgress(
    string Profile,
    bool WarmingUp,
    TimeSpan Elapsed,
    TimeSpan Remaining,
    double CurrentRate,
    double? P95Ms,
    long Requests,
    long Failed,
    long Dropped,
    int InFlight,
    IReadOnlyList<ThresholdOutcome> Thresholds)
{
    /// <summary>A plain line for CI logs.</summary>
    public string ToLine() => string.Create(
        CultureInfo.InvariantCulture,
        $"[{Profile}{(WarmingUp ? " warm-up" : string.Empty)}] {Elapsed.TotalSeconds:0}s elapsed, {Remaining.TotalSeconds:0}s left | {CurrentRate:0.#} req/s | p95 {(P95Ms is { } p ? p.ToString("0.#", CultureInfo.InvariantCulture) + " ms" : "-")} | {Requests} requests, {Failed} errors, {Dropped} dropped, {InFlight} in flight");
}

/// <summary>One second of the measured period, for plotting.</summary>
public sealed record SecondSample(int Second, long Requests, long Failed, long Dropped, double? P50Ms, double? P95Ms, double? P99Ms, double? MaxMs);
