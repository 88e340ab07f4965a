using Storytailor.Build.Tests;
using Storytailor.Rehearsal.Tests;
using Storytailor.FakeAws;

namespace Storytailor.Bench.Deploy;

/// <summary>A stretch of a deployment run: its length and how much of it the external work of each kind covers.</summary>
internal sealed record Stretch(string Name, TimeSpan Length, TimeSpan Terraform, TimeSpan Node, TimeSpan Aws, TimeSpan Http, TimeSpan Waits, TimeSpan External)
{
    /// <summary>What is left when the external work (all kinds together, overlaps once) is taken out.</summary>
    public TimeSpan Overhead => Length - External;
}

/// <summary>One successful DeployProduction cut into stretches; and the time from launch to the first AWS call.</summary>
internal sealed record OverheadSample(IReadOnlyList<Stretch> Stretches, TimeSpan LaunchToFirstAwsCall);

/// <summary>The work done outside the build during a run, by kind, as the bench measured it.</summary>
internal sealed record ExternalWork(IReadOnlyList<Span> Terraform, IReadOnlyList<Span> Node, IReadOnlyList<Span> Aws, IReadOnlyList<Span> Http, IReadOnlyList<Span> Waits)
{
    public Stretch Measure(string name, params Span[] windows)
    {
        IReadOnlyList<Span> all = [.. Terraform, .. Node, .. Aws, .. Http, .. Waits];
        TimeSpan Covered(IReadOnlyList<Span> spans) => windows.Aggregate(TimeSpan.Zero, (sum, w) => sum + Coverage.Within(w, spans));
        return new Stretch(name, windows.Aggregate(TimeSpan.Zero, (sum, w) => sum + w.Length), Covered(Terraform), Covered(Node), Covered(Aws), Covered(Http), Covered(Waits), Covered(all));
    }
}

/// <summary>
/// Figure 2: a successful DeployProduction (tests included), green reached through a second front door that times every
/// request to it. Per ledger step: terraform, node and npm processes (the PATH shim's log), AWS calls (the fake's handling of each
/// request), HTTP to the app (both front doors), fixed waits (monitoring window, the smoke suite's Retry-After pause,
/// the load test's duration, Route 53's INSYNC delay, 2 × TTL).
/// </summary>
internal sealed class StepOverhead(DeployRehearsal rehearsal, BenchSettings settings, ToolLog tools)
{
    /// <summary>The smoke suite waits Retry-After plus this before its recovery request.</summary>
    private static readonly TimeSpan RetryAfterMargin = TimeSpan.FromMilliseconds(250);

    /// <summary>The cleanup waits until 2 × TTL plus this have passed since the switch.</summary>
    private static readonly TimeSpan TtlMargin = TimeSpan.FromMilliseconds(50);

    public async Task<OverheadSample> MeasureAsync(int run)
    {
        await using var colourDoor = await PublicFrontDoor.StartAsync(() => rehearsal.Green.BaseUrl);
        await using var rehearsalCase = await rehearsal.StartCaseAsync($"success-{run}", colourDoor.Url);
        var fake = rehearsalCase.Fake;
        fake.Route53.InSyncAfter = settings.InSyncDelay;

        var launched = DateTimeOffset.UtcNow;
        var build = rehearsalCase.Build(
            "--target=DeployProduction", "--tag=v1.1.0", $"--monitoring-window={BenchSettings.Seconds(settings.MonitoringWindow)}",
            $"--poll-interval={BenchSettings.Seconds(settings.PollInterval)}", $"--load-duration={settings.LoadDuration.TotalSeconds}", "--deploy-load-warm-up=0");
        var exited = DateTimeOffset.UtcNow;
        var record = rehearsalCase.Ledger().SingleOrDefault()?.RootElement;
        if (build.ExitCode != 0 || record?.GetProperty("outcome").GetString() != "Succeeded")
        {
            throw new BenchException($"successful run {run}: the deployment did not succeed:\n{build}");
        }

        var steps = LedgerStep.Of(record.Value);
        var requests = fake.Requests;
        var forwarded = rehearsalCase.FrontDoor.Forwarded.Concat(colourDoor.Forwarded).ToList();
        var work = new ExternalWork(
            tools.Runs("terraform"),
            tools.Runs("node", "npm"),
            [.. requests.Select(r => new Span(r.ReceivedAt, r.AnsweredAt))],
            [.. forwarded.Select(r => new Span(r.StartedAt, r.EndedAt))],
            FixedWaits(steps, fake, requests, forwarded, colourDoor.Forwarded));
        if (Coverage.Within(LedgerStep.Named(steps, "apply").Span, work.Terraform) == TimeSpan.Zero)
        {
            throw new BenchException("the terraform shim logged no run during the apply step: is bench/deploy/shim first on PATH?");
        }

        var stretches = new List<Stretch> { work.Measure("start-up (launch → preflight)", new Span(launched, steps[0].Span.Start)) };
        stretches.AddRange(steps.Select(s => work.Measure(s.Name, s.Span)));
        stretches.Add(work.Measure("between steps", [.. steps.Zip(steps.Skip(1), (a, b) => new Span(a.Span.End, b.Span.Start))]));
        stretches.Add(work.Measure("exit (last step → process end)", new Span(steps[^1].Span.End, exited)));
        stretches.Add(work.Measure("whole run", new Span(launched, exited)));
        return new OverheadSample(stretches, requests.Min(r => r.ReceivedAt) - launched);
    }

    private List<Span> FixedWaits(IReadOnlyList<LedgerStep> steps, FakeAwsServer fake, IReadOnlyList<RecordedRequest> requests, IReadOnlyList<ForwardedRequest> forwarded, IReadOnlyList<ForwardedRequest> atColour)
    {
        var monitoring = LedgerStep.Named(steps, "monitoring");
        var switchSeen = ChangeReads.InSyncReadAt(requests, fake.Route53.Changes[0]);
        var waits = new List<Span>
        {
            new(monitoring.Span.Start, monitoring.Span.Start + settings.MonitoringWindow),
            new(monitoring.Span.End, switchSeen + (2 * BenchSettings.RecordTtl) + TtlMargin),
            LoadPhase(LedgerStep.Named(steps, "tests").Span, atColour),
        };
        waits.AddRange(fake.Route53.Changes.Select(c => new Span(c.SubmittedAt, fake.Route53.InSyncAt(c) ?? c.SubmittedAt)));
        waits.AddRange(forwarded.Where(r => r is { StatusCode: 429, RetryAfter: not null }).Select(r => new Span(r.EndedAt, r.EndedAt + r.RetryAfter!.Value + RetryAfterMargin)));
        return waits;
    }

    /// <summary>
    /// The load test runs at a fixed rate for its duration: from the first request after the smoke suite's last one
    /// (the recovery request after its 429 burst and Retry-After pause; the suites run smoke, load, security), within
    /// the tests step (the engine's clock starts a little before its first request reaches the colour).
    /// </summary>
    private Span LoadPhase(Span tests, IReadOnlyList<ForwardedRequest> atColour)
    {
        var during = atColour.Where(r => r.StartedAt >= tests.Start && r.EndedAt <= tests.End).OrderBy(r => r.StartedAt).ToList();
        var limited = during.FirstOrDefault(r => r is { StatusCode: 429, RetryAfter: not null })
            ?? throw new BenchException("the smoke suite's burst got no 429 at green: the load phase cannot be told apart");
        var burstAnswered = during.Where(r => r.StartedAt <= limited.EndedAt).Max(r => r.EndedAt);
        var recovery = during.FirstOrDefault(r => r.StartedAt >= burstAnswered + limited.RetryAfter!.Value)
            ?? throw new BenchException("no recovery request after the smoke suite's Retry-After pause at green");
        var first = during.FirstOrDefault(r => r.StartedAt >= recovery.EndedAt)
            ?? throw new BenchException("no load request at green after the smoke suite");
        var end = first.StartedAt + settings.LoadDuration;
        return new Span(first.StartedAt, end < tests.End ? end : tests.End);
    }
}
