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

/// <summary>
/// Figure 1: DeployProduction with the tests skipped while green's 5XX rate is 10% in every CloudWatch period from
/// before the switch on, so every monitoring sample breaches and the rollback follows the configured streak.
/// </summary>
internal sealed partial class RollbackReaction(DeployRehearsal rehearsal, BenchSettings settings)
{
    /// <summary>Green's HTTP API as the example's Terraform outputs name it (api_id, api_stage).</summary>
    private static readonly ApiIdentity GreenApi = new(ApiGatewayType.Http, "storytailor-production-green", "v1");

    public async Task<ReactionSample> MeasureAsync(int run)
    {
        await using var rehearsalCase = await rehearsal.StartCaseAsync($"rollback-{run}");
        var fake = rehearsalCase.Fake;
        fake.Route53.InSyncAfter = settings.InSyncDelay;
        BreachEveryPeriod(fake);

        var build = rehearsalCase.Build(
            "--target=DeployProduction", "--tag=v1.1.0", "--skip-tests", "--reason=benchmark",
            $"--monitoring-window={BenchSettings.Seconds(settings.RollbackMonitoringWindow)}", $"--poll-interval={BenchSettings.Seconds(settings.PollInterval)}",
            $"--consecutive-breaches={settings.ConsecutiveBreaches}");
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

        // The deciding sample's reads, from the fake's request log: its metrics read, then its alarms read (its last).
        var metricReads = requests.Where(r => r.Operation == "GetMetricData" && r.ReceivedAt > switchChange.SubmittedAt).OrderBy(r => r.ReceivedAt).ToList();
        if (metricReads.Count < deciding)
        {
            throw new BenchException($"rollback run {run}: the ledger names sample {deciding}, the fake saw {metricReads.Count} metric reads after the switch");
        }

        var lastRead = requests.Where(r => r.Operation == "DescribeAlarms" && r.ReceivedAt > metricReads[deciding - 1].ReceivedAt).MinBy(r => r.ReceivedAt)
            ?? throw new BenchException($"rollback run {run}: sample {deciding} has no alarms read");
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

    /// <summary>5XXError 1 of Count 10 every 100 ms, from 10 minutes before until an hour after now.</summary>
    private static void BreachEveryPeriod(FakeAwsServer fake)
    {
        var from = DateTimeOffset.UtcNow.AddMinutes(-10);
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
