using NUnit.Framework;
using Storytailor.FakeAws;

namespace Storytailor.Aws.Tests;

public sealed class DnsRouterTests : FakeAwsTest
{
    private const string Zone = "ZSTORY1";

    private IDnsRouter Dns => Factory.DnsRouter();

    [SetUp]
    public void HostedZone()
    {
        Server.Route53.CreateHostedZone(Zone, "storytailor.test");
        Server.Route53.PutRecord(Zone, new FakeRecordSet("api.storytailor.test", "CNAME", ["blue.storytailor.test"], 60));
        Server.Route53.PutRecord(Zone, new FakeRecordSet("apex.storytailor.test", "A", ["10.0.0.1"], 60));
    }

    [Test]
    public async Task Reads_a_record_with_or_without_the_trailing_dot()
    {
        var plain = await Dns.GetRecordAsync(Zone, "api.storytailor.test");
        var dotted = await Dns.GetRecordAsync("/hostedzone/" + Zone, "API.storytailor.test.");
        Assert.That(plain!.Value, Is.EqualTo("blue.storytailor.test"));
        Assert.That(dotted, Is.EqualTo(plain).Using<DnsRecord>((a, b) => a.Value == b.Value && a.Name == b.Name));
        Assert.That(await Dns.GetRecordAsync(Zone, "missing.storytailor.test"), Is.Null);
        Assert.That(await Dns.GetRecordAsync(Zone, "api.storytailor.test", "TXT"), Is.Null);
    }

    [Test]
    public async Task Upsert_switches_the_cname_and_waits_until_insync()
    {
        Server.Route53.InSyncAfter = TimeSpan.FromMilliseconds(150);
        var change = await Dns.UpsertRecordAsync(Zone, DnsRecord.Cname("api.storytailor.test", "green.storytailor.test"), "switch to green");
        await Dns.WaitForInSyncAsync(change, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));

        Assert.That((await Dns.GetRecordAsync(Zone, "api.storytailor.test"))!.Value, Is.EqualTo("green.storytailor.test"));
        Assert.That(Server.Requests.Count(r => r.Operation == "GetChange"), Is.GreaterThan(1), "it polled while PENDING");
        Assert.That(Log.Text, Does.Contain("INSYNC"));
        AssertLogHasNoSecrets();
    }

    [Test]
    public async Task Weighted_records_are_written_and_read_per_set_identifier()
    {
        await Dns.UpsertRecordAsync(Zone, DnsRecord.WeightedCname("www.storytailor.test", "blue.storytailor.test", "blue", 90));
        await Dns.UpsertRecordAsync(Zone, DnsRecord.WeightedCname("www.storytailor.test", "green.storytailor.test", "green", 10));
        var all = await Dns.GetRecordsAsync(Zone, "www.storytailor.test");
        var green = await Dns.GetRecordAsync(Zone, "www.storytailor.test", setIdentifier: "green");
        Assert.That(all.Select(r => (r.SetIdentifier, r.Weight)), Is.EquivalentTo(new[] { ("blue", (long?)90), ("green", (long?)10) }));
        Assert.That(green!.Value, Is.EqualTo("green.storytailor.test"));
    }

    [Test]
    public void A_change_stuck_in_pending_times_out_with_its_last_state()
    {
        Server.Route53.StickNewChangesInPending = true;
        var error = Assert.ThrowsAsync<AwsWaitTimeoutException>(async () =>
        {
            var change = await Dns.UpsertRecordAsync(Zone, DnsRecord.Cname("api.storytailor.test", "green.storytailor.test"));
            await Dns.WaitForInSyncAsync(change, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(50));
        });
        Assert.That(error!.LastState, Is.EqualTo("PENDING"));
        Assert.That(error.Message, Does.Contain("INSYNC"));
    }

    [Test]
    public void An_unknown_zone_is_NoSuchHostedZone_with_the_request_id()
    {
        var error = Assert.ThrowsAsync<AwsServiceException>(() => Dns.UpsertRecordAsync("ZNOPE", DnsRecord.Cname("api.storytailor.test", "x")));
        Assert.That(error!.ErrorCode, Is.EqualTo("NoSuchHostedZone"));
        Assert.That(error.Message, Does.Contain("ZNOPE").And.Contain("request id fake-"));
    }

    [Test]
    public void A_rejected_batch_is_InvalidChangeBatch_with_the_reason()
    {
        var error = Assert.ThrowsAsync<AwsServiceException>(() => Dns.UpsertRecordAsync(Zone, DnsRecord.Cname("api.elsewhere.test", "x")));
        Assert.That(error!.ErrorCode, Is.EqualTo("InvalidChangeBatch"));
        Assert.That(error.Message, Does.Contain("not permitted in zone"));
    }

    [Test]
    public void A_conflicting_record_type_is_rejected()
    {
        var error = Assert.ThrowsAsync<AwsServiceException>(() => Dns.UpsertRecordAsync(Zone, new DnsRecord("api.storytailor.test", "A", ["10.0.0.2"])));
        Assert.That(error!.ErrorCode, Is.EqualTo("InvalidChangeBatch"));
    }

    [Test]
    public async Task Throttling_then_success()
    {
        Server.Faults.Throttle("ChangeResourceRecordSets", 2);
        Server.Faults.Throttle("GetChange", 1);
        var change = await Dns.UpsertRecordAsync(Zone, DnsRecord.Cname("api.storytailor.test", "green.storytailor.test"));
        await Dns.WaitForInSyncAsync(change, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(10));
        Assert.That(Server.Requests.Count(r => r.Operation == "ChangeResourceRecordSets"), Is.EqualTo(3));
        Assert.That(Log.Text, Does.Contain("Throttling"));
    }

    [Test]
    public void Retries_exhausted_on_throttling()
    {
        Server.Faults.Throttle("ListResourceRecordSets", 20);
        var error = Assert.ThrowsAsync<AwsServiceException>(() => Dns.GetRecordAsync(Zone, "api.storytailor.test"));
        Assert.That(error!.ErrorCode, Is.EqualTo("Throttling"));
        Assert.That(Server.Requests.Count(r => r.Operation == "ListResourceRecordSets"), Is.EqualTo(4));
    }

    [Test]
    public async Task A_5xx_then_success_is_retried()
    {
        Server.Faults.ServerError("ListResourceRecordSets", 1);
        var record = await Dns.GetRecordAsync(Zone, "api.storytailor.test");
        Assert.That(record!.Value, Is.EqualTo("blue.storytailor.test"));
        Assert.That(Server.Requests.Select(r => r.StatusCode), Is.EqualTo(new[] { 503, 200 }));
    }
}
