using System.Globalization;
using Storytailor.Aws;
using Storytailor.Core;

namespace Storytailor.Deploy;

/// <summary>The answer of one probe of the public domain.</summary>
public sealed record SmokeProbeResult(bool Passed, string Summary);

/// <summary>Probes the public domain once per sample (the task layer adapts its checks to it).</summary>
public delegate Task<SmokeProbeResult> SmokeProbe(CancellationToken cancellationToken);

/// <summary>One limit crossed in one sample: the metric and the sample's fact about it.</summary>
public sealed record Breach(string Metric, string Fact);

/// <summary>How one metric fared in one sample.</summary>
public enum Verdict
{
    Ok,
    Breach,

    /// <summary>Reported, not judged (no threshold, rule "ignore", or nothing to judge it against).</summary>
    NotJudged,
}

/// <summary>
/// One metric in one sample: its value, the number of data points it came from, the limit and the verdict, e.g.
/// "latency p95 412 ms (1 point; limit ≤ 800 ms): ok" or "latency p95 no data (0 points; limit ≤ 800 ms; rule: breaching): BREACH".
/// </summary>
public sealed record MetricJudgement(string Metric, string Value, int DataPoints, string? Limit, Verdict Verdict, string? Rule = null)
{
    public bool Breached => Verdict == Verdict.Breach;

    public override string ToString()
    {
        var details = new List<string> { DataPoints == 1 ? "1 point" : $"{DataPoints} points" };
        if (Limit is not null)
        {
            details.Add($"limit {Limit}");
        }

        if (Rule is not null)
        {
            details.Add($"rule: {Rule}");
        }

        var verdict = Verdict switch
        {
            Verdict.Ok => "ok",
            Verdict.Breach => "BREACH",
            _ => "not judged",
        };
        return $"{Metric} {Value} ({string.Join("; ", details)}): {verdict}";
    }
}

/// <summary>One sample: the periods it judged [From, To), what it found per metric, and the breach streak after it.</summary>
public sealed record MonitoringSample(int Number, DateTimeOffset At, IReadOnlyList<Breach> Breaches, IReadOnlyList<string> Facts, int ConsecutiveBreaches)
{
    public bool Breached => Breaches.Count > 0;

    /// <summary>Start of the first period this sample judged.</summary>
    public DateTimeOffset From { get; init; } = At;

    /// <summary>End of the last period this sample judged (exclusive).</summary>
    public DateTimeOffset To { get; init; } = At;

    /// <summary>Taken after the window's nominal end, because a breach streak was open.</summary>
    public bool Extension { get; init; }

    /// <summary>The metrics judged in this sample (also in <see cref="Facts"/> as text).</summary>
    public IReadOnlyList<MetricJudgement> Judgements { get; init; } = [];

    /// <summary>Cold starts per function in this sample.</summary>
    public IReadOnlyDictionary<string, ColdStartReading> ColdStarts { get; init; } = new Dictionary<string, ColdStartReading>();

    /// <summary>The log and ledger line: "sample 3: BREACH 1/2 [10:02:00–10:03:00]: fact; fact; …".</summary>
    public string Describe(int rollbackAfter) =>
        $"sample {Number}: {(Breached ? $"BREACH {ConsecutiveBreaches}/{rollbackAfter}" : "healthy")} [{From.UtcDateTime:HH:mm:ss}–{To.UtcDateTime:HH:mm:ss}{(Extension ? ", extension" : string.Empty)}]: {string.Join("; ", Facts)}";
}

public enum MonitoringVerdict
{
    /// <summary>The window ended on a healthy sample without enough consecutive breaches.</summary>
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
    /// <summary>Why: the deciding sample's breaches, or the samples that passed (and any extension).</summary>
    public string Reason => Verdict == MonitoringVerdict.Rollback
        ? $"{RollbackSampleCount} consecutive breaching samples; last: {string.Join("; ", RollbackBreaches.Select(b => b.Fact))}{ExtensionText}"
        : $"no {RollbackSampleCount} consecutive breaches in {Samples.Count} samples{ExtensionText}";

    /// <summary>How long the window ran past its nominal end because a breach streak was open (zero: not extended).</summary>
    public TimeSpan Extended { get; init; }

    /// <summary>The longest extension allowed.</summary>
    public TimeSpan ExtensionBound { get; init; }

    /// <summary>"cold starts not measured: …" when some function's cold starts could not be measured in some sample; null otherwise.</summary>
    public string? ColdStartsNotMeasured { get; init; }

    /// <summary>Where the cold starts that were measured came from (Lambda Insights, Logs Insights).</summary>
    public IReadOnlyList<string> ColdStartSources { get; init; } = [];

    internal int RollbackSampleCount { get; init; }

    private string ExtensionText => Extended > TimeSpan.Zero
        ? $"; the window was extended by {Durations.Format(Extended)} (bound {Durations.Format(ExtensionBound)}) because it ended on an open breach streak"
        : string.Empty;
}

/// <summary>What to watch, how often and for how long, and what missing data means.</summary>
public sealed record MonitoringPlan(ColourTarget Colour, ApiIdentity? Api, DeploymentThresholds Thresholds, TimeSpan Window, TimeSpan PollInterval, int ConsecutiveBreaches, SmokeProbe Smoke)
{
    /// <summary>Why <see cref="Api"/> is unknown (every sample then breaches: the window must not pass blind).</summary>
    public string ApiUnknown { get; init; } = "the API identity of the colour is unknown";

    /// <summary>Alarm names of the colour already in ALARM before the switch: reported, not counted as breaches.</summary>
    public IReadOnlyCollection<string> AlarmsFiringBeforeSwitch { get; init; } = [];

    /// <summary>Called after every sample (e.g. to write it to the ledger).</summary>
    public Func<MonitoringSample, CancellationToken, Task>? OnSample { get; init; }

    /// <summary>When the switch was INSYNC (null: when the window starts). The first sample judges the first whole period after it.</summary>
    public DateTimeOffset? SwitchedAt { get; init; }

    /// <summary>CloudWatch period of every query; samples judge whole periods, each data point once.</summary>
    public TimeSpan Period { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long after its last period a sample is taken (CloudWatch's publishing delay).</summary>
    public TimeSpan MetricDelay { get; init; }

    /// <summary>Longest extension past the window's end while a breach streak is open.</summary>
    public TimeSpan Extension { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Samples in a row without requests before that is a breach (rule "breaching").</summary>
    public int NoTrafficSamples { get; init; } = 2;

    public MissingDataRules Rules { get; init; } = new();

    public static MonitoringPlan For(DeploymentEnvironmentSettings settings, DeploymentColour colour, ApiIdentity? api, SmokeProbe smoke)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new MonitoringPlan(settings.ColourOf(colour), api, settings.Thresholds, settings.MonitoringWindow, settings.PollInterval, settings.ConsecutiveBreaches, smoke)
        {
            Period = settings.MetricPeriod,
            MetricDelay = settings.MetricDelay,
            Extension = settings.MonitoringExtension,
            NoTrafficSamples = settings.NoTrafficSamples,
            Rules = settings.MissingData,
        };
    }
}

/// <summary>
/// Watches the new colour after the switch. Samples are aligned to whole CloudWatch periods: the first judges the
/// first complete period after the switch, each later one the periods since the previous one, so every data point is
/// judged once (by its timestamp; GetMetricData rounds StartTime down to the period, so points before the sample's first
/// period are dropped). Each sample probes the public domain, reads the API's request count, 5XX rate and p95 latency
/// (HTTP or REST metric names), each function's errors, throttles, p95 duration and cold starts, and the colour's alarms,
/// and applies every metric's missing-data rule. A source that cannot be read is a breach. <see cref="MonitoringPlan.ConsecutiveBreaches"/>
/// breaching samples in a row end the window with <see cref="MonitoringVerdict.Rollback"/>; a window that would end on an
/// open streak is extended, poll by poll, until the streak reaches the count or a healthy sample clears it.
/// </summary>
public sealed class MonitoringWindow(IMetricsReader metrics, TimeProvider time, IBuildLog log, ColdStartLogs? coldStartLogs = null)
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
        var first = CeilingTo(plan.SwitchedAt ?? started, plan.Period);
        var windowEnd = first + plan.Window;
        var bound = windowEnd + plan.Extension;
        var samples = new List<MonitoringSample>();
        var preExisting = new HashSet<string>(plan.AlarmsFiringBeforeSwitch, StringComparer.Ordinal);
        var state = new SampleState();
        var streak = 0;
        var colour = plan.Colour.Colour.Name();
        log.Information($"Monitoring {colour} ({plan.Api?.ToString() ?? plan.ApiUnknown}) for {Durations.Format(plan.Window)} from {first.UtcDateTime:HH:mm:ss}, a sample every {Durations.Format(plan.PollInterval)} over whole {Durations.Format(plan.Period)} periods read {Durations.Format(plan.MetricDelay)} after they end; rollback after {plan.ConsecutiveBreaches} consecutive breaching samples; a window ending on an open streak is extended by up to {Durations.Format(plan.Extension)}.");

        var from = first;
        while (true)
        {
            var to = from + plan.PollInterval;
            var wait = to + plan.MetricDelay - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }

            var sample = await SampleAsync(plan, state, preExisting, samples.Count + 1, from, to, streak, from >= windowEnd, cancellationToken).ConfigureAwait(false);
            streak = sample.ConsecutiveBreaches;
            samples.Add(sample);
            if (sample.Breached)
            {
                log.Warning($"Monitoring {sample.Describe(plan.ConsecutiveBreaches)}.");
            }
            else
            {
                log.Information($"Monitoring {sample.Describe(plan.ConsecutiveBreaches)}.");
            }

            if (plan.OnSample is { } onSample)
            {
                await onSample(sample, cancellationToken).ConfigureAwait(false);
            }

            from = to;
            var extended = to > windowEnd ? to - windowEnd : TimeSpan.Zero;
            if (streak >= plan.ConsecutiveBreaches)
            {
                var rollback = Result(MonitoringVerdict.Rollback, plan, samples, sample.Breaches, preExisting, started, extended, state);
                log.Error($"Monitoring: roll back {colour}: {rollback.Reason}.");
                return rollback;
            }

            if (to < windowEnd)
            {
                continue;
            }

            if (streak == 0)
            {
                var passed = Result(MonitoringVerdict.Passed, plan, samples, [], preExisting, started, extended, state);
                log.Information($"Monitoring of {colour} passed: {passed.Reason}.");
                return passed;
            }

            if (to + plan.PollInterval > bound)
            {
                // Only reachable when the bound is shorter than the streak needs (settings validation prevents it): never pass open.
                var open = Result(MonitoringVerdict.Rollback, plan, samples, sample.Breaches, preExisting, started, extended, state);
                log.Error($"Monitoring: the extension bound {Durations.Format(plan.Extension)} is reached with {streak}/{plan.ConsecutiveBreaches} breaches open; roll back {colour}: {open.Reason}.");
                return open;
            }

            log.Warning($"Monitoring window of {colour} extended by one more sample: it ends on an open breach streak ({streak}/{plan.ConsecutiveBreaches}); bound {Durations.Format(plan.Extension)} past {windowEnd.UtcDateTime:HH:mm:ss}.");
        }
    }

    private static MonitoringResult Result(MonitoringVerdict verdict, MonitoringPlan plan, List<MonitoringSample> samples, IReadOnlyList<Breach> breaches, HashSet<string> preExisting, DateTimeOffset started, TimeSpan extended, SampleState state) =>
        new(verdict, [.. samples], breaches, [.. preExisting], started, samples.Count > 0 ? samples[^1].At : started)
        {
            RollbackSampleCount = plan.ConsecutiveBreaches,
            Extended = extended,
            ExtensionBound = plan.Extension,
            ColdStartsNotMeasured = state.NotMeasured.Count == 0 ? null : $"cold starts not measured: {string.Join("; ", state.NotMeasured)}",
            ColdStartSources = [.. state.Sources],
        };

    private async Task<MonitoringSample> SampleAsync(MonitoringPlan plan, SampleState state, HashSet<string> preExisting, int number, DateTimeOffset from, DateTimeOffset to, int streak, bool extension, CancellationToken cancellationToken)
    {
        var judgements = new List<MetricJudgement>();
        var breaches = new List<Breach>();
        var facts = new List<string>();
        IReadOnlyDictionary<string, ColdStartReading> coldStarts = new Dictionary<string, ColdStartReading>();

        try
        {
            var smoke = await plan.Smoke(cancellationToken).ConfigureAwait(false);
            if (smoke.Passed)
            {
                facts.Add($"probe passed: {smoke.Summary}");
            }
            else
            {
                breaches.Add(new Breach("probe", $"probe failed: {smoke.Summary}"));
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            breaches.Add(new Breach("probe", $"probe could not run: {ex.Message}"));
        }

        if (plan.Api is null)
        {
            breaches.Add(new Breach("metrics", $"API metrics cannot be read: {plan.ApiUnknown}"));
        }
        else
        {
            try
            {
                var series = await metrics.GetMetricDataAsync(Queries(plan), from, to, cancellationToken).ConfigureAwait(false);
                var byId = series.ToDictionary(s => s.Id, s => (IReadOnlyList<MetricPoint>)[.. s.Points.Where(p => p.Timestamp >= from && p.Timestamp < to)], StringComparer.Ordinal);
                coldStarts = await ColdStartsAsync(plan, byId, from, to, cancellationToken).ConfigureAwait(false);
                Judge(plan, state, byId, coldStarts, judgements);
            }
            catch (AwsServiceException ex)
            {
                breaches.Add(new Breach("metrics", $"metrics could not be read: {ex.Message}"));
            }
        }

        foreach (var judgement in judgements)
        {
            facts.Add(judgement.ToString());
            if (judgement.Breached)
            {
                breaches.Add(new Breach(judgement.Metric, judgement.ToString()));
            }
        }

        foreach (var source in coldStarts.Values.Select(r => r.Source).OfType<string>().Where(source => !state.Sources.Contains(source)).ToList())
        {
            state.Sources.Add(source);
        }

        foreach (var unmeasured in coldStarts.Where(r => r.Value.NotMeasured is not null).GroupBy(r => r.Value.NotMeasured!))
        {
            var functions = unmeasured.Select(r => r.Key).ToList();
            var why = $"{string.Join(", ", functions)} {(functions.Count == 1 ? "publishes" : "publish")} no Lambda Insights metrics and {unmeasured.Key}";
            if (!state.NotMeasured.Contains(why) && state.NotMeasured.Count < 4)
            {
                state.NotMeasured.Add(why);
            }
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

        foreach (var breach in breaches.Where(b => !facts.Contains(b.Fact)))
        {
            facts.Add(breach.Fact);
        }

        return new MonitoringSample(number, time.GetUtcNow(), breaches, facts, breaches.Count > 0 ? streak + 1 : 0)
        {
            From = from,
            To = to,
            Extension = extension,
            Judgements = judgements,
            ColdStarts = coldStarts,
        };
    }

    private static List<MetricQuery> Queries(MonitoringPlan plan)
    {
        var api = plan.Api!;
        var period = (int)plan.Period.TotalSeconds;
        var queries = new List<MetricQuery>
        {
            MetricQueries.Requests(api, period),
            MetricQueries.ServerErrors(api, period),
            MetricQueries.ClientErrors(api, period),
            MetricQueries.LatencyP95(api, period),
            MetricQueries.IntegrationLatencyP95(api, period),
        };
        for (var i = 0; i < plan.Colour.Functions.Count; i++)
        {
            var function = plan.Colour.Functions[i];
            queries.Add(MetricQueries.LambdaErrors(function, period) with { Id = $"lambdaerrors{i}" });
            queries.Add(MetricQueries.LambdaThrottles(function, period) with { Id = $"lambdathrottles{i}" });
            queries.Add(MetricQueries.LambdaDuration(function, "p95", period) with { Id = $"lambdaduration{i}" });
            queries.Add(MetricQueries.LambdaInitDuration(function, "Maximum", period) with { Id = $"lambdainit{i}" });
            queries.Add(MetricQueries.LambdaInsightsMemory(function, period) with { Id = $"lambdainsights{i}" });
        }

        return queries;
    }

    /// <summary>Lambda Insights where the function publishes it (any Insights point in the sample); the REPORT lines otherwise.</summary>
    private async Task<IReadOnlyDictionary<string, ColdStartReading>> ColdStartsAsync(MonitoringPlan plan, Dictionary<string, IReadOnlyList<MetricPoint>> byId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var readings = new Dictionary<string, ColdStartReading>(StringComparer.Ordinal);
        var withoutInsights = new List<string>();
        for (var i = 0; i < plan.Colour.Functions.Count; i++)
        {
            var function = plan.Colour.Functions[i];
            var init = Points(byId, $"lambdainit{i}");
            if (init.Count > 0 || Points(byId, $"lambdainsights{i}").Count > 0)
            {
                readings[function] = new ColdStartReading("Lambda Insights", init.Count == 0 ? null : init.Max(p => p.Value), init.Count, null);
            }
            else
            {
                withoutInsights.Add(function);
            }
        }

        if (withoutInsights.Count == 0)
        {
            return readings;
        }

        if (coldStartLogs is null)
        {
            foreach (var function in withoutInsights)
            {
                readings[function] = new ColdStartReading(null, null, 0, "Logs Insights is not configured");
            }

            return readings;
        }

        foreach (var (function, reading) in await coldStartLogs.ReadAsync(withoutInsights, from, to, cancellationToken).ConfigureAwait(false))
        {
            readings[function] = reading;
        }

        return readings;
    }

    private static void Judge(MonitoringPlan plan, SampleState state, Dictionary<string, IReadOnlyList<MetricPoint>> byId, IReadOnlyDictionary<string, ColdStartReading> coldStarts, List<MetricJudgement> judgements)
    {
        var limits = plan.Thresholds;
        var rules = plan.Rules;
        var requests = Points(byId, "requests");
        var requestCount = requests.Sum(p => p.Value);
        var served = requests.Count > 0 && requestCount > 0;
        state.SamplesWithoutRequests = served ? 0 : state.SamplesWithoutRequests + 1;
        if (served)
        {
            judgements.Add(new MetricJudgement("requests", Count(requestCount), requests.Count, "> 0", Verdict.Ok));
        }
        else
        {
            var value = requests.Count == 0 ? "no data" : "0";
            var rule = $"{MissingDataRules.Name(rules.Requests)}{(rules.Requests == MissingData.Breaching ? $" after {plan.NoTrafficSamples} samples, {Math.Min(state.SamplesWithoutRequests, plan.NoTrafficSamples)}/{plan.NoTrafficSamples}" : string.Empty)}";
            var verdict = rules.Requests switch
            {
                MissingData.Breaching => state.SamplesWithoutRequests >= plan.NoTrafficSamples ? Verdict.Breach : Verdict.Ok,
                MissingData.NotBreaching => Verdict.Ok,
                _ => Verdict.NotJudged,
            };
            var why = verdict == Verdict.Breach ? $" — the colour serves no traffic, or the metrics are not where the build looks ({plan.Api})" : string.Empty;
            judgements.Add(new MetricJudgement("requests", value + why, requests.Count, "> 0", verdict, rule));
        }

        var errors = Points(byId, "errors5xx");
        var rateLimit = $"≤ {Percent(limits.ErrorRatePercent)}%";
        if (!served)
        {
            judgements.Add(new MetricJudgement("5XX rate", "not judged without requests", errors.Count, rateLimit, Verdict.NotJudged));
        }
        else if (errors.Count == 0)
        {
            judgements.Add(Missing("5XX rate", rateLimit, rules.ErrorRate));
        }
        else
        {
            var errorCount = errors.Sum(p => p.Value);
            var rate = 100.0 * errorCount / requestCount;
            judgements.Add(new MetricJudgement("5XX rate", $"{Percent(rate)}% ({Count(errorCount)}/{Count(requestCount)})", errors.Count, rateLimit, rate > limits.ErrorRatePercent ? Verdict.Breach : Verdict.Ok));
        }

        var clientErrors = Points(byId, "errors4xx");
        judgements.Add(new MetricJudgement("4XX", clientErrors.Count == 0 ? "no data" : Count(clientErrors.Sum(p => p.Value)), clientErrors.Count, null, Verdict.NotJudged));

        var latency = Points(byId, "latencyp95");
        var latencyLimit = $"≤ {Ms(limits.P95Ms)} ms";
        if (!served && latency.Count == 0)
        {
            judgements.Add(new MetricJudgement("latency p95", "not judged without requests", 0, latencyLimit, Verdict.NotJudged));
        }
        else if (latency.Count == 0)
        {
            judgements.Add(Missing("latency p95", latencyLimit, rules.Latency));
        }
        else
        {
            var p95 = latency.Max(p => p.Value);
            judgements.Add(new MetricJudgement("latency p95", $"{Ms(p95)} ms", latency.Count, latencyLimit, p95 > limits.P95Ms ? Verdict.Breach : Verdict.Ok));
        }

        var integration = Points(byId, "integrationp95");
        judgements.Add(new MetricJudgement("integration latency p95", integration.Count == 0 ? "no data" : $"{Ms(integration.Max(p => p.Value))} ms", integration.Count, null, Verdict.NotJudged));

        for (var i = 0; i < plan.Colour.Functions.Count; i++)
        {
            var function = plan.Colour.Functions[i];
            judgements.Add(Sum($"Lambda errors {function}", Points(byId, $"lambdaerrors{i}"), rules.LambdaErrors));
            judgements.Add(Sum($"Lambda throttles {function}", Points(byId, $"lambdathrottles{i}"), rules.LambdaThrottles));

            var duration = Points(byId, $"lambdaduration{i}");
            var durationLimit = $"≤ {Ms(limits.LambdaP95Ms)} ms";
            judgements.Add(duration.Count == 0
                ? Missing($"Lambda duration p95 {function}", durationLimit, rules.LambdaDuration)
                : new MetricJudgement($"Lambda duration p95 {function}", $"{Ms(duration.Max(p => p.Value))} ms", duration.Count, durationLimit, duration.Max(p => p.Value) > limits.LambdaP95Ms ? Verdict.Breach : Verdict.Ok));

            var coldLimit = $"≤ {Ms(limits.ColdStartMs)} ms";
            var metric = $"cold starts {function}";
            if (!coldStarts.TryGetValue(function, out var cold) || !cold.Measured)
            {
                var why = cold?.NotMeasured ?? "no reading";
                var missing = Missing(metric, coldLimit, rules.ColdStarts);
                judgements.Add(missing with { Value = $"not measured (no Lambda Insights metrics; {why})" });
            }
            else if (cold.MaxInitMs is { } initMs)
            {
                judgements.Add(new MetricJudgement(metric, $"{cold.Count} from {cold.Source}, longest init {Ms(initMs)} ms", cold.Count, coldLimit, initMs > limits.ColdStartMs ? Verdict.Breach : Verdict.Ok));
            }
            else
            {
                judgements.Add(new MetricJudgement(metric, $"none ({cold.Source})", 0, coldLimit, Verdict.Ok));
            }
        }
    }

    private static MetricJudgement Sum(string metric, IReadOnlyList<MetricPoint> points, MissingData rule)
    {
        if (points.Count == 0)
        {
            return Missing(metric, "0", rule);
        }

        var sum = points.Sum(p => p.Value);
        return new MetricJudgement(metric, Count(sum), points.Count, "0", sum > 0 ? Verdict.Breach : Verdict.Ok);
    }

    private static MetricJudgement Missing(string metric, string limit, MissingData rule) =>
        new(metric, "no data", 0, limit, rule switch
        {
            MissingData.Breaching => Verdict.Breach,
            MissingData.NotBreaching => Verdict.Ok,
            _ => Verdict.NotJudged,
        }, MissingDataRules.Name(rule));

    private static IReadOnlyList<MetricPoint> Points(Dictionary<string, IReadOnlyList<MetricPoint>> byId, string id) =>
        byId.TryGetValue(id, out var points) ? points : [];

    /// <summary>The first instant at or after <paramref name="value"/> on a whole period (periods count from the Unix epoch, as CloudWatch's).</summary>
    internal static DateTimeOffset CeilingTo(DateTimeOffset value, TimeSpan period)
    {
        var ticks = value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var remainder = ticks % period.Ticks;
        return remainder == 0 ? value.ToUniversalTime() : new DateTimeOffset(value.UtcTicks - remainder + period.Ticks, TimeSpan.Zero);
    }

    private static string Ms(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Percent(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Count(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>What carries from one sample to the next: the run of samples without requests and the cold-start sources.</summary>
    private sealed class SampleState
    {
        public int SamplesWithoutRequests { get; set; }

        public List<string> Sources { get; } = [];

        public List<string> NotMeasured { get; } = [];
    }
}
