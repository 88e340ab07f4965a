using NUnit.Framework;
using Storytailor.Aws;
using Storytailor.Deploy;

namespace Storytailor.Deploy.Tests;

public sealed class BlueGreenPlannerTests : FakeAwsTest
{
    private BlueGreenPlanner Planner(DeploymentEnvironmentSettings? settings = null) => new(Factory.DnsRouter(), settings ?? Production(), ZoneId, Time, Log);

    [Test]
    public async Task The_live_colour_is_read_from_the_record()
    {
        PointRecordTo(GreenEndpoint + ".");

        var live = await Planner().ReadLiveColourAsync();

        Assert.That(live.Colour, Is.EqualTo(DeploymentColour.Green));
        Assert.That(live.Idle, Is.EqualTo(DeploymentColour.Blue));
        Assert.That(live.IsFirstDeployment, Is.False);
        Assert.That(Server.MutatingRequests, Is.Empty);
        AssertAllSigned();
    }

    [Test]
    public async Task No_record_means_the_first_deployment()
    {
        var live = await Planner().ReadLiveColourAsync();

        Assert.That(live.IsFirstDeployment, Is.True);
        Assert.That(live.Idle, Is.EqualTo(DeploymentColour.Blue));
        Assert.That(live.Describe(), Does.Contain("first deployment"));
    }

    [Test]
    public void A_record_pointing_elsewhere_is_an_error_and_nothing_changes()
    {
        PointRecordTo("legacy-lb.storytailor.test");

        var error = Assert.ThrowsAsync<UnknownRecordTargetException>(() => Planner().SwitchAsync(DeploymentColour.Blue));

        Assert.That(error!.Message, Does.Contain("legacy-lb.storytailor.test").And.Contain(BlueEndpoint).And.Contain(GreenEndpoint));
        Assert.That(Server.MutatingRequests, Is.Empty);
    }

    [Test]
    public async Task Switch_upserts_the_record_and_waits_for_insync()
    {
        PointRecordTo(BlueEndpoint);

        var result = await Planner().SwitchAsync(DeploymentColour.Green);

        Assert.That(result.Outcome, Is.EqualTo(SwitchOutcome.Switched), result.Message);
        Assert.That(result.From, Is.EqualTo(DeploymentColour.Blue));
        Assert.That(result.InSyncAt, Is.EqualTo(Time.GetUtcNow()));
        Assert.That(RecordTarget(), Is.EqualTo(GreenEndpoint));
        Assert.That(Server.Route53.Records(ZoneId).Single().Ttl, Is.EqualTo(60));
        Assert.That(Server.Requests.Count(r => r.Operation == "GetChange"), Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public async Task Switching_to_the_live_colour_changes_nothing()
    {
        PointRecordTo(GreenEndpoint);

        var result = await Planner().SwitchAsync(DeploymentColour.Green);

        Assert.That(result.Outcome, Is.EqualTo(SwitchOutcome.AlreadyLive));
        Assert.That(Server.MutatingRequests, Is.Empty);
    }

    [Test]
    public async Task A_change_stuck_in_pending_is_reverted_to_the_previous_target()
    {
        PointRecordTo(BlueEndpoint);
        Server.Route53.StickNewChangesInPending = true;
        var planner = Planner();
        var first = Task.Run(async () =>
        {
            // The revert change must go INSYNC: unstick once the first change has been submitted.
            while (Server.Route53.Changes.Count == 0)
            {
                await Task.Delay(2);
            }

            Server.Route53.StickNewChangesInPending = false;
        });

        var result = await planner.SwitchAsync(DeploymentColour.Green);
        await first;

        Assert.That(result.Outcome, Is.EqualTo(SwitchOutcome.TimedOutReverted), result.Message);
        Assert.That(result.Succeeded, Is.False);
        Assert.That(RecordTarget(), Is.EqualTo(BlueEndpoint));
        Assert.That(result.Message, Does.Contain("not INSYNC").And.Contain("reverted to blue"));
        Assert.That(Server.Route53.Changes, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task When_even_the_revert_stays_pending_the_result_says_a_human_is_needed()
    {
        PointRecordTo(BlueEndpoint);
        Server.Route53.StickNewChangesInPending = true;

        var result = await Planner().SwitchAsync(DeploymentColour.Green);

        Assert.That(result.Outcome, Is.EqualTo(SwitchOutcome.TimedOutNotReverted));
        Assert.That(result.Message, Does.Contain("check the record by hand"));
    }

    [Test]
    public async Task The_first_switch_has_nothing_to_revert_to_and_says_so()
    {
        Server.Route53.StickNewChangesInPending = true;

        var result = await Planner().SwitchAsync(DeploymentColour.Blue);

        Assert.That(result.Outcome, Is.EqualTo(SwitchOutcome.TimedOutNotReverted));
        Assert.That(result.Message, Does.Contain("nothing to revert to"));
        Assert.That(Server.Route53.Changes, Has.Count.EqualTo(1));
    }

    [Test]
    public void The_dry_run_description_names_the_change()
    {
        var text = Planner().DescribeSwitch(new LiveColour(DeploymentColour.Blue, BlueEndpoint, 60), DeploymentColour.Green);

        Assert.That(text, Does.Contain($"UPSERT {Domain} CNAME {BlueEndpoint} → {GreenEndpoint}").And.Contain("blue → green"));
    }
}

public sealed class CleanupGuardTests : FakeAwsTest
{
    private static readonly DateTimeOffset Start = new(2025, 6, 2, 10, 0, 0, TimeSpan.Zero);

    private CleanupGuard Guard() => new(Factory.DnsRouter(), Factory.MetricsReader(), Production(), ZoneId, Time, Log);

    private static readonly ApiIdentity BlueApi = new(ApiGatewayType.Http, "b1ue000api", "v1");

    private static MonitoringResult Passed() => new(MonitoringVerdict.Passed, [new MonitoringSample(1, Start, [], [], 0)], [], [], Start, Start.AddMinutes(10));

    private static CleanupRequest Request(MonitoringResult? monitoring = null, bool passed = true) => new(DeploymentColour.Green, Start, passed ? monitoring ?? Passed() : monitoring, BlueApi);

    private void BlueTraffic(double requests, TimeSpan? ago = null) =>
        Server.CloudWatch.PutSeries("AWS/ApiGateway", "Count", BlueApi.Dimensions, "Sum", [(Time.GetUtcNow() - (ago ?? TimeSpan.FromMinutes(2)), requests)]);

    [Test]
    public async Task All_conditions_met_allow_destroying_the_old_colour()
    {
        PointRecordTo(GreenEndpoint);
        Time.Advance(TimeSpan.FromMinutes(10));
        BlueTraffic(0);

        var decision = await Guard().DecideAsync(Request());

        Assert.That(decision.MayDestroy, Is.True, decision.Summary);
        Assert.That(decision.Colour, Is.EqualTo(DeploymentColour.Blue));
        Assert.That(decision.Workspace, Is.EqualTo("prod-blue"));
        Assert.That(decision.Checks.Select(c => c.Name), Is.EqualTo(new[] { "monitoring", "record", "ttl", "traffic" }));
        Assert.That(Server.MutatingRequests, Is.Empty);
    }

    [Test]
    public async Task The_guard_refuses_when_the_record_points_to_the_colour_to_destroy()
    {
        // Someone (or a rollback elsewhere) pointed the record back at blue after the switch to green.
        PointRecordTo(BlueEndpoint);
        Time.Advance(TimeSpan.FromMinutes(10));
        BlueTraffic(0);

        var decision = await Guard().DecideAsync(Request());

        Assert.That(decision.MayDestroy, Is.False);
        Assert.That(decision.Reasons.Single(), Does.Contain("points to blue").And.Contain("the colour that would be destroyed"));
    }

    [Test]
    public async Task Too_soon_after_the_switch_the_old_colour_is_kept()
    {
        PointRecordTo(GreenEndpoint);
        Time.Advance(TimeSpan.FromSeconds(90));
        BlueTraffic(0);

        var decision = await Guard().DecideAsync(Request());

        Assert.That(decision.MayDestroy, Is.False);
        Assert.That(decision.Reasons, Has.Some.Contains("< 2 × TTL (2m)"));
        Assert.That(decision.Reasons, Has.Some.Contains("cannot be counted yet: no whole 1m period has been published since"));
    }

    [Test]
    public async Task Old_colour_still_serving_requests_is_kept()
    {
        PointRecordTo(GreenEndpoint);
        Time.Advance(TimeSpan.FromMinutes(10));
        BlueTraffic(240);

        var decision = await Guard().DecideAsync(Request());

        Assert.That(decision.MayDestroy, Is.False);
        Assert.That(decision.Reasons.Single(), Does.Contain("still served 240 requests"));
    }

    [Test]
    public async Task A_rolled_back_or_missing_monitoring_result_keeps_the_old_colour()
    {
        PointRecordTo(GreenEndpoint);
        Time.Advance(TimeSpan.FromMinutes(10));
        BlueTraffic(0);
        var rolledBack = new MonitoringResult(MonitoringVerdict.Rollback, [], [new Breach("p95", "p95 912 ms > 800 ms")], [], Start, Start);

        var afterRollback = await Guard().DecideAsync(Request(rolledBack));
        var withoutWindow = await Guard().DecideAsync(Request(null, passed: false));

        Assert.That(afterRollback.MayDestroy, Is.False);
        Assert.That(afterRollback.Reasons.Single(), Does.Contain("Rollback").And.Contain("p95 912 ms > 800 ms"));
        Assert.That(withoutWindow.Reasons.Single(), Does.Contain("no monitoring window result"));
    }

    [Test]
    public async Task No_request_count_at_all_for_the_old_colour_keeps_it_no_data_is_not_zero_requests()
    {
        PointRecordTo(GreenEndpoint);
        Time.Advance(TimeSpan.FromMinutes(10));

        var decision = await Guard().DecideAsync(Request());

        Assert.That(decision.MayDestroy, Is.False);
        Assert.That(decision.Reasons.Single(), Does.Contain("the traffic of blue is unknown: CloudWatch has no request count for HTTP API ApiId=b1ue000api, Stage=v1").And.Contain("no data is not zero requests"));
        Assert.That(decision.Summary, Does.StartWith("The blue colour (workspace prod-blue) is kept"));
    }

    [Test]
    public async Task Requests_counted_before_the_switch_and_none_since_prove_the_old_colour_idle()
    {
        PointRecordTo(GreenEndpoint);
        Time.Advance(TimeSpan.FromMinutes(10));
        BlueTraffic(800, ago: TimeSpan.FromMinutes(11));

        var decision = await Guard().DecideAsync(Request());

        Assert.That(decision.MayDestroy, Is.True, decision.Summary);
        Assert.That(decision.Checks.Single(c => c.Name == "traffic").Fact, Does.Contain("blue served 0 requests in the last 5m (≤ 5; 1 data point(s) of its request count since 2025-06-02 09:00:00Z)"));
    }

    [Test]
    public async Task An_old_colour_whose_api_identity_is_unknown_is_kept()
    {
        PointRecordTo(GreenEndpoint);
        Time.Advance(TimeSpan.FromMinutes(10));
        BlueTraffic(0);

        var decision = await Guard().DecideAsync(new CleanupRequest(DeploymentColour.Green, Start, Passed(), null) { ApiUnknown = "the stack of blue has no api_id output" });

        Assert.That(decision.MayDestroy, Is.False);
        Assert.That(decision.Reasons.Single(), Is.EqualTo("the traffic of blue is unknown: the stack of blue has no api_id output"));
    }

    [Test]
    public async Task Unreadable_metrics_or_record_count_as_no()
    {
        Time.Advance(TimeSpan.FromMinutes(10));
        Server.Faults.ServerError("GetMetricData", 3);

        var decision = await Guard().DecideAsync(Request());

        Assert.That(decision.MayDestroy, Is.False);
        Assert.That(decision.Reasons, Has.Some.Contains("does not exist now"));
        Assert.That(decision.Reasons, Has.Some.Contains("could not be read"));
    }
}
