using System.Security.Cryptography;
using System.Text;
using NUnit.Framework;

namespace Storytailor.Aws.Tests;

public sealed class ArtifactStoreTests : FakeAwsTest
{
    private IArtifactStore Store => Factory.ArtifactStore("artifacts");

    [SetUp]
    public void Bucket() => Server.S3.CreateBucket("artifacts");

    private static (byte[] Bytes, string Sha) Content(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return (bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    [Test]
    public async Task Put_if_absent_uploads_once_then_skips_the_same_checksum()
    {
        var (bytes, sha) = Content("bundle v1");
        var first = await Store.PutIfAbsentAsync("builds/1/api.zip", new MemoryStream(bytes), sha);
        var second = await Store.PutIfAbsentAsync("builds/1/api.zip", new MemoryStream(bytes), sha);

        Assert.That(first.Outcome, Is.EqualTo(ArtifactPutOutcome.Uploaded));
        Assert.That(second.Outcome, Is.EqualTo(ArtifactPutOutcome.Skipped));
        Assert.That(Server.Requests.Count(r => r.Operation == "PutObject"), Is.EqualTo(1));
        Assert.That(Server.S3.Object("artifacts", "builds/1/api.zip")!.Metadata["sha256"], Is.EqualTo(sha));
        AssertLogHasNoSecrets();
    }

    [Test]
    public async Task Put_file_if_absent_reads_the_file()
    {
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, "file content");
        var (_, sha) = Content("file content");
        var result = await Store.PutFileIfAbsentAsync("builds/2/web.zip", path, sha);
        File.Delete(path);
        Assert.That(result.Outcome, Is.EqualTo(ArtifactPutOutcome.Uploaded));
        Assert.That(Encoding.UTF8.GetString(Server.S3.Object("artifacts", "builds/2/web.zip")!.Content), Is.EqualTo("file content"));
    }

    [Test]
    public async Task A_different_checksum_under_an_existing_key_is_an_error()
    {
        var (v1, sha1) = Content("v1");
        var (v2, sha2) = Content("v2");
        await Store.PutIfAbsentAsync("builds/3/api.zip", new MemoryStream(v1), sha1);
        var error = Assert.ThrowsAsync<ArtifactChecksumMismatchException>(() => Store.PutIfAbsentAsync("builds/3/api.zip", new MemoryStream(v2), sha2));
        Assert.That(error!.Message, Does.Contain(sha1).And.Contain(sha2).And.Contain("builds/3/api.zip"));
        Assert.That(Encoding.UTF8.GetString(Server.S3.Object("artifacts", "builds/3/api.zip")!.Content), Is.EqualTo("v1"));
    }

    [Test]
    public void Content_that_does_not_match_the_declared_checksum_is_refused()
    {
        var (_, otherSha) = Content("something else");
        var error = Assert.ThrowsAsync<ArgumentException>(() => Store.PutIfAbsentAsync("k", new MemoryStream("x"u8.ToArray()), otherSha));
        Assert.That(error!.Message, Does.Contain("not the declared"));
        Assert.That(Server.MutatingRequests, Is.Empty);
    }

    [Test]
    public async Task Get_and_head_return_null_when_absent_and_the_object_when_present()
    {
        Assert.That(await Store.GetAsync("missing"), Is.Null);
        Assert.That(await Store.HeadAsync("missing"), Is.Null);
        var (bytes, sha) = Content("hello");
        await Store.PutIfAbsentAsync("present", new MemoryStream(bytes), sha);
        var got = await Store.GetAsync("present");
        var head = await Store.HeadAsync("present");
        Assert.That(got!.Content, Is.EqualTo(bytes));
        Assert.That(head!.Size, Is.EqualTo(5));
        Assert.That(head.Sha256, Is.EqualTo(sha));
        Assert.That(head.ETag, Is.EqualTo(got.Info.ETag).And.Not.Contain("\""));
    }

    [Test]
    public async Task List_follows_pagination_in_key_order()
    {
        for (var i = 0; i < 1005; i++)
        {
            await Store.CreateAsync($"ledger/{i:D4}.json", [1]);
        }

        await Store.CreateAsync("other/x", [1]);
        var listed = await Store.ListAsync("ledger/");
        Assert.That(listed, Has.Count.EqualTo(1005));
        Assert.That(listed.Select(o => o.Key), Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
        Assert.That(Server.Requests.Count(r => r.Operation == "ListObjectsV2"), Is.EqualTo(2));
    }

    [Test]
    public async Task Delete_removes_the_object()
    {
        await Store.CreateAsync("lock.json", [1]);
        await Store.DeleteAsync("lock.json");
        Assert.That(Server.S3.Object("artifacts", "lock.json"), Is.Null);
    }

    [Test]
    public async Task Conditional_delete_removes_the_object_only_while_its_etag_matches()
    {
        var first = await Store.CreateAsync("deploy.lock", "{\"owner\":\"run-1\"}"u8.ToArray());
        var second = await Store.ReplaceAsync("deploy.lock", "{\"owner\":\"run-2\"}"u8.ToArray(), first!);

        var stale = Assert.ThrowsAsync<ArtifactPreconditionFailedException>(() => Store.DeleteIfMatchAsync("deploy.lock", first!));
        Assert.That(stale!.Key, Is.EqualTo("deploy.lock"));
        Assert.That(stale.Message, Does.Contain("PreconditionFailed"));
        Assert.That(Encoding.UTF8.GetString(Server.S3.Object("artifacts", "deploy.lock")!.Content), Does.Contain("run-2"), "a stale ETag deletes nothing");
        Assert.That(Server.Requests.Last(r => r.Operation == "DeleteObject").StatusCode, Is.EqualTo(412));

        await Store.DeleteIfMatchAsync("deploy.lock", second);
        Assert.That(Server.S3.Object("artifacts", "deploy.lock"), Is.Null);
        var gone = Assert.ThrowsAsync<ArtifactPreconditionFailedException>(() => Store.DeleteIfMatchAsync("deploy.lock", second));
        Assert.That(gone!.Message, Does.Contain("NoSuchKey"), "If-Match on a missing object is 404, as S3 answers");
        Assert.That(Server.Requests.Where(r => !r.SignatureValid), Is.Empty, "the If-Match header is signed");
    }

    [Test]
    public async Task Conditional_create_and_replace_guard_the_lock()
    {
        var etag = await Store.CreateAsync("deploy.lock", "{\"owner\":\"run-1\"}"u8.ToArray());
        Assert.That(etag, Is.Not.Null);
        Assert.That(await Store.CreateAsync("deploy.lock", "{\"owner\":\"run-2\"}"u8.ToArray()), Is.Null, "a second create must not overwrite");
        Assert.That(Encoding.UTF8.GetString(Server.S3.Object("artifacts", "deploy.lock")!.Content), Does.Contain("run-1"));

        var replaced = await Store.ReplaceAsync("deploy.lock", "{\"owner\":\"run-1\",\"step\":2}"u8.ToArray(), etag!);
        Assert.That(replaced, Is.Not.EqualTo(etag));
        var stale = Assert.ThrowsAsync<ArtifactPreconditionFailedException>(() => Store.ReplaceAsync("deploy.lock", "{}"u8.ToArray(), etag!));
        Assert.That(stale!.Message, Does.Contain("PreconditionFailed").And.Contain("deploy.lock"));
        Assert.ThrowsAsync<ArtifactPreconditionFailedException>(() => Store.ReplaceAsync("never-created", "{}"u8.ToArray(), etag!));
    }

    [Test]
    public async Task Throttling_is_retried_until_it_succeeds()
    {
        Server.Faults.Throttle("PutObject", 2);
        Assert.That(await Store.CreateAsync("k", [1]), Is.Not.Null);
        Assert.That(Server.Requests.Count(r => r.Operation == "PutObject"), Is.EqualTo(3));
        Assert.That(Log.Text, Does.Contain("SlowDown"));
    }

    [Test]
    public void Retries_exhausted_surface_the_aws_error_code_and_request_id()
    {
        Server.Faults.ServerError("GetObject", 10);
        var error = Assert.ThrowsAsync<AwsServiceException>(() => Store.GetAsync("k"));
        Assert.That(error!.ErrorCode, Is.EqualTo("InternalError"));
        Assert.That(error.Message, Does.Contain("InternalError").And.Contain("request id fake-"));
        Assert.That(Server.Requests.Count(r => r.Operation == "GetObject"), Is.EqualTo(4));
    }

    [Test]
    public void A_missing_bucket_is_reported_as_NoSuchBucket()
    {
        var error = Assert.ThrowsAsync<AwsServiceException>(() => Factory.ArtifactStore("no-such-bucket").ListAsync(""));
        Assert.That(error!.ErrorCode, Is.EqualTo("NoSuchBucket"));
        Assert.That(Server.Requests, Has.Count.EqualTo(1), "client errors are not retried");
    }
}
