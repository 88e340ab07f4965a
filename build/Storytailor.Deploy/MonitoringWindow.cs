using System.Globalization;
using Storytailor.Aws;
using Storytailor.Core;

namespace Storytailor.Deploy;

/// <summary>The answer of one smoke run against the public domain.</summary>
public sealed record SmokeProbeResult(bool Passed, string Summary);

/// <summary>Runs the smoke checks against the public domain (the task layer adapts the smoke suite to it).</summary>
public delegate Task<SmokeProbeResult> SmokeProbe(CancellationToken cancellationToken);

/// <summary>One limit crossed in one sample, e.g. metric "p95", fact "p95 912 ms > 800 ms".</summary>
public sealed record Breach(string Metric, string Fact);

public sealed record MonitoringSample(int Number, DateTimeOffset At, IReadOnlyList<Breach> Breaches, IReadOnlyList<string> Facts, int ConsecutiveBreaches)
{
    public bool Breached => Breaches.Count > 0;
}

public enum MonitoringVerdict
{
    /// <summary>The window ended without enough consecutive breaches.</summary>
    Passed,

    /// <summary>N consecutive samples breached: roll back.</summary>
    Rollback,
}

public sealed record MonitoringResult(
    MonitoringVerdict Verdict,
    IReadOnlyList<MonitoringSample> Samples,
    IReadOnlyList<Breach> RollbackBreaches,
    IReadOnlyList<string> PreExistingAlarms,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt)
{
    /// <summary>Why: the breaches of the deciding sample, e.g. "p95 912 ms > 800 ms; 5XX rate 3.2% > 1%".</summary>
    public string Reason => Verdict == MonitoringVerdict.Rollback
        ? $"{RollbackSampleCount} consecutive breaching samples; last: {string.Join("; ", RollbackBreaches.Select(b => b.Fact))}"
        : $"no {RollbackSampleCount} consecutive breaches in {Samples.Count} samples";

    internal int RollbackSampleCount { get; init; }
}

/// <summary>What to watch, how often and for how long.</summary>
public sealed record MonitoringPlan(ColourTarget Colour, DeploymentThresholds Thresholds, TimeSpan Window, TimeSpan PollInterval, int ConsecutiveBreaches, SmokeProbe Smoke)
{
    /// <summary>Alarm names of the colour already in ALARM before the switch: reported, not counted as breaches.</summary>
    public IReadOnlyCollection<string> AlarmsFiringBeforeSwitch { get; init; } = [];

    /// <summary>Called after every sample (e.g. to write it to the ledger).</summary>
    public Func<MonitoringSample, CancellationToken, Task>? OnSample { get; init; }

    /// <summary>
    /// Metrics are read over the poll interval before each sample, so one data point is never judged by two
    /// samples (one noisy minute must not count twice). With CloudWatch's 60 s periods, a poll interval below
    /// 60 s leaves some samples without a new point ("no data" is not a breach).
    /// </summary>
    public TimeSpan MetricLookback => PollInterval;

    public static MonitoringPlan For(DeploymentEnvironmentSettings settings, DeploymentColour colour, SmokeProbe smoke)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new MonitoringPlan(settings.ColourOf(colour), settings.Thresholds, settings.MonitoringWindow, settings.PollInterval, settings.ConsecutiveBreaches, smoke);
    }
}

/// <summary>
/// Watches the new colour after the switch: every poll interval until the window ends, the smoke checks on
/// the public domain, the colour's API p95 latency and 5XX rate, its functions' errors, throttles and init
/// duration, and its alarms. A sample that cannot read a source counts as breaching (the window must not pass
/// blind). <see cref="MonitoringPlan.ConsecutiveBreaches"/> breaching samples in a row end the window with
/// <see cref="MonitoringVerdict.Rollback"/> and the breaches that decided it.
/// </summary>
public sealed class MonitoringWindow(IMetricsReader metrics, TimeProvider time, IBuildLog log)
{
    /// <summary>The colour's alarms in ALARM now (call before the switch; pass to <see cref="MonitoringPlan.AlarmsFiringBeforeSwitch"/>).</summary>
    public async Task<IReadOnlyList<AlarmStatus>> AlarmsFiringAsync(ColourTarget colour, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(colour);
        var alarms = await metrics.DescribeAlarmsAsync(colour.AlarmPrefix, cancellationToken).ConfigureAwait(false);
        var firing = alarms.Where(a => a.IsAlarm).ToList();
        foreach (var alarm in firing)
        {
            log.Warning($"Alarm {alarm.Name} of {colour.Colour.Name()} is already in ALARM before the switch ({alarm.Reason}); it is reported, not counted against this deployment.");
        }

        return firing;
    }

    public async Task<MonitoringResult> RunAsync(MonitoringPlan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var started = time.GetUtcNow();
        var end = started + plan.Window;
        var samples = new List<MonitoringSample>();
        var preExisting = new HashSet<string>(plan.AlarmsFiringBeforeSwitch, StringComparer.Ordinal);
        var streak = 0;
        log.Information($"Monitoring {plan.Colour.Colour.Name()} for {Durations.Format(plan.Window)}, a sample every {Durations.Format(plan.PollInterval)}; rollback after {plan.ConsecutiveBreaches} consecutive breaching samples.");

        while (time.GetUtcNow() < end)
        {
            var wait = Min(plan.PollInterval, end - time.GetUtcNow());
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);

            var (breaches, facts) = await SampleAsync(plan, preExisting, cancellationToken).ConfigureAwait(false);
            streak = breaches.Count > 0 ? streak + 1 : 0;
            var sample = new MonitoringSample(samples.Count + 1, time.GetUtcNow(), breaches, facts, streak);
            samples.Add(sample);
            log.Information($"Monitoring sample {sample.Number}: {(sample.Breached ? $"BREACH ({streak}/{plan.ConsecutiveBreaches}): {string.Join("; ", breaches.Select(b => b.Fact))}" : "healthy")}.");
            if (plan.OnSample is { } onSample)
            {
                await onSample(sample, cancellationToken).ConfigureAwait(false);
            }

            if (streak >= plan.ConsecutiveBreaches)
            {
                var rollback = new MonitoringResult(MonitoringVerdict.Rollback, samples, breaches, [.. preExisting], started, time.GetUtcNow()) { RollbackSampleCount = plan.ConsecutiveBreaches };
                log.Error($"Monitoring: roll back {plan.Colour.Colour.Name()}: {rollback.Reason}.");
                return rollback;
            }
        }

        var passed = new MonitoringResult(MonitoringVerdict.Passed, samples, [], [.. preExisting], started, time.GetUtcNow()) { RollbackSampleCount = plan.ConsecutiveBreaches };
        log.Information($"Monitoring of {plan.Colour.Colour.Name()} passed: {passed.Reason}.");
        return passed;
    }

    private async Task<(List<Breach> Breaches, List<string> Facts)> SampleAsync(MonitoringPlan plan, HashSet<string> preExisting, CancellationToken cancellationToken)
    {
        var breaches = new List<Breach>();
        var facts = new List<string>();

        try
        {
            var smoke = await plan.Smoke(cancellationToken).ConfigureAwait(false);
            if (smoke.Passed)
            {
                facts.Add($"smoke passed: {smoke.Summary}");
            }
            else
            {
                breaches.Add(new Breach("smoke", $"smoke failed: {smoke.Summary}"));
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            breaches.Add(new Breach("smoke", $"smoke could not run: {ex.Message}"));
        }

        var now = time.GetUtcNow();
        try
        {
            ReadMetrics(plan, await metrics.GetMetricDataAsync(Queries(plan.Colour), now - plan.MetricLookback, now, cancellationToken).ConfigureAwait(false), breaches, facts);
        }
        catch (AwsServiceException ex)
        {
            breaches.Add(new Breach("metrics", $"metrics could not be read: {ex.Message}"));
        }

        try
        {
            foreach (var alarm in (await metrics.DescribeAlarmsAsync(plan.Colour.AlarmPrefix, cancellationToken).ConfigureAwait(false)).Where(a => a.IsAlarm))
            {
                if (preExisting.Contains(alarm.Name))
                {
                    facts.Add($"alarm {alarm.Name} in ALARM since before the switch (not counted)");
                }
                else
                {
                    breaches.Add(new Breach("alarm", $"alarm {alarm.Name} in ALARM: {alarm.Reason}"));
                }
            }
        }
        catch (AwsServiceException ex)
        {
            breaches.Add(new Breach("alarms", $"alarms could not be read: {ex.Message}"));
        }

        return (breaches, facts);
    }

    private static List<MetricQuery> Queries(ColourTarget colour)
    {
        var queries = new List<MetricQuery>
        {
            MetricQueries.ApiLatencyP95(colour.ApiName, colour.Stage),
            MetricQueries.Api5xxCount(colour.ApiName, colour.Stage),
            MetricQueries.ApiRequestCount(colour.ApiName, colour.Stage),
        };
        for (var i = 0; i < colour.Functions.Count; i++)
        {
            var function = colour.Functions[i];
            queries.Add(MetricQueries.LambdaErrors(function) with { Id = $"lambdaerrors{i}" });
            queries.Add(MetricQueries.LambdaThrottles(function) with { Id = $"lambdathrottles{i}" });
            queries.Add(MetricQueries.LambdaInitDuration(function) with { Id = $"lambdainit{i}" });
        }

        return queries;
    }

    private static void ReadMetrics(MonitoringPlan plan, IReadOnlyList<MetricSeries> series, List<Breach> breaches, List<string> facts)
    {
        var byId = series.ToDictionary(s => s.Id, StringComparer.Ordinal);
        var limits = plan.Thresholds;

        if (byId.TryGetValue("latencyp95", out var latency) && latency.Max is { } p95)
        {
            Compare(breaches, facts, "p95", $"p95 {Ms(p95)} ms", p95 > limits.P95Ms, $"{Ms(limits.P95Ms)} ms");
        }
        else
        {
            facts.Add("p95: no data");
        }

        if (byId.TryGetValue("errors5xx", out var errors) && byId.TryGetValue("requests", out var requests) && requests.Sum > 0)
        {
            var rate = MetricQueries.ErrorRatePercent(errors, requests);
            Compare(breaches, facts, "5xx", $"5XX rate {Percent(rate)}% ({Count(errors.Sum)}/{Count(requests.Sum)})", rate > limits.ErrorRatePercent, $"{Percent(limits.ErrorRatePercent)}%");
        }
        else
        {
            facts.Add("5XX rate: no requests");
        }

        for (var i = 0; i < plan.Colour.Functions.Count; i++)
        {
            var function = plan.Colour.Functions[i];
            if (byId.TryGetValue($"lambdaerrors{i}", out var lambdaErrors) && lambdaErrors.Sum > 0)
            {
                breaches.Add(new Breach("lambda-errors", $"Lambda errors {function} {Count(lambdaErrors.Sum)} > 0"));
            }

            if (byId.TryGetValue($"lambdathrottles{i}", out var throttles) && throttles.Sum > 0)
            {
                breaches.Add(new Breach("lambda-throttles", $"Lambda throttles {function} {Count(throttles.Sum)} > 0"));
            }

            if (byId.TryGetValue($"lambdainit{i}", out var init) && init.Max is { } initMs)
            {
                Compare(breaches, facts, "cold-start", $"init duration {function} {Ms(initMs)} ms", initMs > limits.ColdStartMs, $"{Ms(limits.ColdStartMs)} ms");
            }
        }
    }

    private static void Compare(List<Breach> breaches, List<string> facts, string metric, string measured, bool breached, string limit)
    {
        if (breached)
        {
            breaches.Add(new Breach(metric, $"{measured} > {limit}"));
        }
        else
        {
            facts.Add($"{measured} ≤ {limit}");
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string Ms(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Percent(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Count(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
