using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NUnit.Framework;
using Storytailor.Aws;
using Storytailor.Deploy;
using Storytailor.FakeAws;

namespace Storytailor.Deploy.Tests;

public sealed class ArtifactPublisherTests : FakeAwsTest
{
    private ArtifactPublisher Publisher() => new(Store, Factory.FunctionRegistry(), Log);

    /// <summary>Writes a zip-like file and the manifest as the Package stage does.</summary>
    private (string Sha256, string CodeSha256) Package(string name, string fileName, string content, params (string Name, string File, string Content)[] more)
    {
        var entries = new List<object>();
        (string, string) first = default;
        foreach (var (n, f, c) in new[] { (name, fileName, content) }.Concat(more))
        {
            var bytes = Encoding.UTF8.GetBytes(c);
            var hash = SHA256.HashData(bytes);
            Directory.CreateDirectory(Path.Combine(ArtifactsRoot, "packages"));
            File.WriteAllBytes(Path.Combine(ArtifactsRoot, f), bytes);
            entries.Add(new { name = n, version = "1.2.3", gitCommit = "abc", size = bytes.Length, sha256 = Convert.ToHexStringLower(hash), codeSha256 = Convert.ToBase64String(hash), fileName = f, files = 3 });
            if (first == default)
            {
                first = (Convert.ToHexStringLower(hash), Convert.ToBase64String(hash));
            }
        }

        File.WriteAllText(Path.Combine(ArtifactsRoot, "manifest.json"), JsonSerializer.Serialize(new { gitCommit = "abc", packages = entries }));
        return first;
    }

    [Test]
    public async Task Packages_are_uploaded_under_content_addressed_keys_and_skipped_the_second_time()
    {
        var (sha, _) = Package("@storytailor/router", "packages/storytailor-router-1.2.3.zip", "router code", ("@storytailor/stories", "packages/storytailor-stories-1.2.3.zip", "stories code"));

        var first = await Publisher().PublishAsync(ArtifactsRoot);
        var second = await Publisher().PublishAsync(ArtifactsRoot);

        Assert.That(first.Passed, Is.True, string.Join("\n", first.Failures));
        Assert.That(first.Uploaded, Is.EqualTo(2));
        Assert.That(second.Passed, Is.True);
        Assert.That(second.Skipped, Is.EqualTo(2));
        Assert.That(Server.S3.Keys(Bucket), Does.Contain($"artifacts/storytailor-router/{sha}.zip"));
        Assert.That(Encoding.UTF8.GetString(Server.S3.Object(Bucket, $"artifacts/storytailor-router/{sha}.zip")!.Content), Is.EqualTo("router code"));
        Assert.That(Server.Requests.Count(r => r.Operation == "PutObject"), Is.EqualTo(2), "the second run sends nothing");
        AssertAllSigned();
    }

    [Test]
    public async Task A_package_changed_after_packaging_fails_naming_it()
    {
        Package("@storytailor/router", "packages/storytailor-router-1.2.3.zip", "router code");
        File.WriteAllText(Path.Combine(ArtifactsRoot, "packages/storytailor-router-1.2.3.zip"), "tampered");

        var result = await Publisher().PublishAsync(ArtifactsRoot);

        Assert.That(result.Passed, Is.False);
        Assert.That(result.Failures.Single(), Does.Contain("@storytailor/router").And.Contain("does not match the manifest"));
        Assert.That(Server.S3.Keys(Bucket), Is.Empty);
    }

    [Test]
    public async Task Missing_manifest_or_file_fails_with_its_own_message()
    {
        var none = await Publisher().PublishAsync(ArtifactsRoot);
        Assert.That(none.Passed, Is.False);
        Assert.That(none.Failures.Single(), Does.StartWith("Upload could not run: No artifact manifest"));

        Package("@storytailor/router", "packages/storytailor-router-1.2.3.zip", "router code");
        File.Delete(Path.Combine(ArtifactsRoot, "packages/storytailor-router-1.2.3.zip"));
        var missing = await Publisher().PublishAsync(ArtifactsRoot);
        Assert.That(missing.Failures.Single(), Does.Contain("is missing"));
    }

    [Test]
    public async Task A_key_holding_other_content_is_a_failure()
    {
        var (sha, _) = Package("@storytailor/router", "packages/storytailor-router-1.2.3.zip", "router code");
        var other = Encoding.UTF8.GetBytes("something else");
        await Store.PutIfAbsentAsync($"artifacts/storytailor-router/{sha}.zip", new MemoryStream(other), Convert.ToHexStringLower(SHA256.HashData(other)));

        var result = await Publisher().PublishAsync(ArtifactsRoot);

        Assert.That(result.Passed, Is.False);
        Assert.That(result.Failures.Single(), Does.Contain("content-addressed keys must never change"));
    }

    [Test]
    public async Task Functions_running_the_artifact_code_pass_after_their_update_finishes()
    {
        var (_, code) = Package("@storytailor/router", "packages/storytailor-router-1.2.3.zip", "router code");
        Server.Lambda.PutFunction(new FakeFunction("storytailor-prod-green-router"));
        Server.Lambda.BeginUpdate("storytailor-prod-green-router", code, pendingPolls: 2);
        var manifest = ArtifactManifest.Read(Path.Combine(ArtifactsRoot, "manifest.json"));
        var expected = ArtifactPublisher.ExpectedCode(manifest, new Dictionary<string, string> { ["storytailor-prod-green-router"] = "@storytailor/router" });

        var result = await Publisher().VerifyFunctionsAsync(expected, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(5));

        Assert.That(result.Passed, Is.True, string.Join("\n", result.Failures));
        Assert.That(Server.Requests.Count(r => r.Operation == "GetFunctionConfiguration"), Is.EqualTo(3), "waited through the update");
    }

    [Test]
    public async Task A_function_running_other_code_fails_naming_it_and_both_hashes()
    {
        Server.Lambda.PutFunction(new FakeFunction("storytailor-prod-green-router") { CodeSha256 = "OLDCODE=" });
        Server.Lambda.PutFunction(new FakeFunction("storytailor-prod-green-stories") { CodeSha256 = "NEWSTORIES=" });

        var result = await Publisher().VerifyFunctionsAsync(
            new Dictionary<string, string> { ["storytailor-prod-green-router"] = "NEWCODE=", ["storytailor-prod-green-stories"] = "NEWSTORIES=" },
            TimeSpan.FromSeconds(5),
            TimeSpan.FromMilliseconds(5));

        Assert.That(result.Passed, Is.False);
        Assert.That(result.Failures.Single(), Does.Contain("storytailor-prod-green-router").And.Contain("OLDCODE=").And.Contain("NEWCODE="));
        Assert.That(result.Functions.Single(f => f.FunctionName == "storytailor-prod-green-stories").Passed, Is.True);
    }

    [Test]
    public async Task A_failed_update_or_a_missing_function_fails_the_check()
    {
        Server.Lambda.PutFunction(new FakeFunction("storytailor-prod-green-router"));
        Server.Lambda.BeginUpdate("storytailor-prod-green-router", "X=", pendingPolls: 0, failureReason: "InvalidZipFileException");

        var result = await Publisher().VerifyFunctionsAsync(
            new Dictionary<string, string> { ["storytailor-prod-green-router"] = "X=", ["storytailor-prod-green-missing"] = "Y=" },
            TimeSpan.FromSeconds(5),
            TimeSpan.FromMilliseconds(5));

        Assert.That(result.Failures, Has.Count.EqualTo(2));
        Assert.That(result.Failures, Has.Some.Contains("storytailor-prod-green-router").And.Some.Contains("update failed"));
        Assert.That(result.Failures, Has.Some.Contains("storytailor-prod-green-missing").And.Some.Contains("could not read"));
    }

    [Test]
    public async Task An_empty_function_map_is_not_a_pass()
    {
        var result = await Publisher().VerifyFunctionsAsync(new Dictionary<string, string>(), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(5));

        Assert.That(result.Passed, Is.False);
    }

    [Test]
    public void Unknown_packages_in_the_function_map_are_named()
    {
        var manifest = new ArtifactManifest("abc", [new ManifestPackage("@storytailor/router", "1.0.0", new string('a', 64), "code=", "packages/r.zip")]);

        var error = Assert.Throws<InvalidDataException>(() => ArtifactPublisher.ExpectedCode(manifest, new Dictionary<string, string> { ["fn"] = "@storytailor/nope" }));

        Assert.That(error!.Message, Does.Contain("fn → @storytailor/nope"));
    }

    [Test]
    public void Keys_are_content_addressed_per_package() =>
        Assert.That(ArtifactPublisher.KeyFor("@storytailor/router", "ABCDEF"), Is.EqualTo("artifacts/storytailor-router/abcdef.zip"));
}
