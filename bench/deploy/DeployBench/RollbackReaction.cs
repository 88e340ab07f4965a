using System.Text.RegularExpressions;
using Storytailor.Aws;
using Storytailor.Build.Tests;
using Storytailor.Rehearsal.Tests;
using Storytailor.FakeAws;

namespace Storytailor.Bench.Deploy;

/// <summary>One automatic rollback, timed from the breaching sample to the reverted record being INSYNC, and its parts.</summary>
internal sealed record ReactionSample(
    TimeSpan Reaction,
    TimeSpan Decision,
    TimeSpan InSync,
    TimeSpan InSyncSeenAfter,
    TimeSpan Detection,
    TimeSpan LedgerAfterSample,
    int DecidingSample);

/// <summary>When green's 5XX rate turns bad.</summary>
internal enum BreachStart
{
    /// <summary>In every period from before the switch on: every sample breaches, the streak completes inside the window.</summary>
    EveryPeriod,

    /// <summary>From the window's last period on: the last sample opens the streak, the extension completes it.</summary>
    LastSample,
}

/// <summary>
/// Figure 1: DeployProduction with the tests skipped while green's 5XX rate is 10%, either in every CloudWatch period
/// from before the switch on (every monitoring sample breaches) or only from the window's last period on (the window
/// extends and the extension's sample completes the streak); the rollback follows the configured streak.
/// </summary>
internal sealed partial class RollbackReaction(DeployRehearsal rehearsal, BenchSettings settings, BreachStart start)
{
    /// <summary>Green's HTTP API as the example's Terraform outputs name it (api_id, api_stage).</summary>
    private static readonly ApiIdentity GreenApi = new(ApiGatewayType.Http, "storytailor-production-green", "v1");

    public async Task<ReactionSample> MeasureAsync(int run)
    {
        await using var rehearsalCase = await rehearsal.StartCaseAsync($"rollback-{run}");
        var fake = rehearsalCase.Fake;
        fake.Route53.InSyncAfter = settings.InSyncDelay;
        var window = settings.RollbackMonitoringWindow;
        if (start == BreachStart.EveryPeriod)
        {
            Breach(fake, DateTimeOffset.UtcNow.AddMinutes(-10));
        }
        else
        {
            window = settings.MonitoringWindow;
            BreachFromLastPeriod(fake, (int)(window / settings.PollInterval));
        }

        var build = rehearsalCase.Build(
            "--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=benchmark",
            $"--monitoring-window={BenchSettings.Seconds(window)}", $"--poll-interval={BenchSettings.Seconds(settings.PollInterval)}",
            $"--consecutive-breaches={settings.ConsecutiveBreaches}");
        fake.BeforeResponse = null;
        var record = rehearsalCase.Ledger().SingleOrDefault()?.RootElement;
        if (build.ExitCode != 1 || record?.GetProperty("outcome").GetString() != "RolledBack")
        {
            throw new BenchException($"rollback run {run}: expected an automatic rollback (exit 1, ledger RolledBack):\n{build}");
        }

        var changes = fake.Route53.Changes;
        if (changes.Count != 2)
        {
            throw new BenchException($"rollback run {run}: expected the switch and its revert, Route 53 got {changes.Count} changes");
        }

        var (switchChange, revert) = (changes[0], changes[1]);
        var requests = fake.Requests;
        var monitoring = LedgerStep.Named(LedgerStep.Of(record.Value), "monitoring");
        var deciding = DecidingSample(monitoring, settings.ConsecutiveBreaches);

        var samples = (int)(window / settings.PollInterval);
        if (start == BreachStart.LastSample && deciding != samples + settings.ConsecutiveBreaches - 1)
        {
            throw new BenchException($"rollback run {run}: expected the streak to open in sample {samples} and complete in the extension, the ledger says: {string.Join(" | ", monitoring.Facts)}");
        }

        // The deciding sample's last read: the last CloudWatch or Logs read the fake answered before the revert was submitted.
        var lastRead = requests.Where(r => r.Operation is "GetMetricData" or "DescribeAlarms" or "StartQuery" or "GetQueryResults" && r.AnsweredAt < revert.SubmittedAt).MaxBy(r => r.AnsweredAt)
            ?? throw new BenchException($"rollback run {run}: no CloudWatch read before the revert");
        var breachAt = lastRead.AnsweredAt;
        var revertInSync = fake.Route53.InSyncAt(revert)!.Value;
        return new ReactionSample(
            Reaction: revertInSync - breachAt,
            Decision: revert.SubmittedAt - breachAt,
            InSync: revertInSync - revert.SubmittedAt,
            InSyncSeenAfter: ChangeReads.InSyncReadAt(requests, revert) - revertInSync,
            Detection: breachAt - ChangeReads.InSyncReadAt(requests, switchChange),
            LedgerAfterSample: monitoring.Span.End - breachAt,
            DecidingSample: deciding);
    }

    /// <summary>
    /// Once the sample before the window's last has read green's API metrics (the fake has answered, the next sample has
    /// not started), green breaches from that whole second on: the last sample and the extension's judge bad periods.
    /// </summary>
    private static void BreachFromLastPeriod(FakeAwsServer fake, int windowSamples)
    {
        var reads = 0;
        fake.BeforeResponse = (handled, _) =>
        {
            if (handled.Operation == "GetMetricData" && fake.Route53.Changes.Count == 1 && ReadsGreenApi(handled.Request.Form)
                && Interlocked.Increment(ref reads) == windowSamples - 1)
            {
                var now = DateTimeOffset.UtcNow;
                Breach(fake, now.AddTicks(-(now.UtcTicks % TimeSpan.TicksPerSecond)));
            }

            return Task.CompletedTask;
        };
    }

    private static bool ReadsGreenApi(IReadOnlyDictionary<string, string> form) =>
        form.Any(p => p.Key.EndsWith(".MetricStat.Metric.MetricName", StringComparison.Ordinal) && p.Value == GreenApi.ServerErrorMetric)
        && form.Values.Contains(GreenApi.Id, StringComparer.Ordinal);

    /// <summary>5XXError 1 of Count 10 every 100 ms, from <paramref name="from"/> for 70 minutes.</summary>
    private static void Breach(FakeAwsServer fake, DateTimeOffset from)
    {
        var times = Enumerable.Range(0, 42_000).Select(i => from.AddMilliseconds(i * 100)).ToList();
        foreach (var (query, value) in new[] { (MetricQueries.ServerErrors(GreenApi, 1), 1.0), (MetricQueries.Requests(GreenApi, 1), 10.0) })
        {
            fake.CloudWatch.PutSeries(query.Namespace, query.MetricName, query.Dimensions, query.Stat, times.Select(t => (t, value)));
        }
    }

    /// <summary>The sample the ledger records as completing the streak ("sample 2: BREACH 2/2: …").</summary>
    private static int DecidingSample(LedgerStep monitoring, int breaches)
    {
        foreach (var fact in monitoring.Facts)
        {
            var match = SampleFact().Match(fact);
            if (match.Success && int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) == breaches)
            {
                return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new BenchException($"the monitoring step records no sample completing {breaches} breaches: {string.Join(" | ", monitoring.Facts)}");
    }

    [GeneratedRegex(@"^sample (\d+): BREACH (\d+)/\d+")]
    private static partial Regex SampleFact();
}
