using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NUnit.Framework;
using Storytailor.Deploy;

namespace Storytailor.Deploy.Tests;

public sealed class ArtifactPromotionTests : FakeAwsTest
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";

    private ArtifactPromotion Promotion() => new(Store, new ArtifactPublisher(Store, Factory.FunctionRegistry(), Log), Log);

    /// <summary>Writes two packages and the manifest as the Package stage does; returns the router's SHA-256.</summary>
    private string Package(string routerCode = "router code", string commit = Commit)
    {
        var entries = new List<object>();
        foreach (var (name, file, code) in new[] { ("@storytailor/router", "packages/storytailor-router-1.2.3.zip", routerCode), ("@storytailor/stories", "packages/storytailor-stories-1.2.3.zip", "stories code") })
        {
            var bytes = Encoding.UTF8.GetBytes(code);
            var hash = SHA256.HashData(bytes);
            Directory.CreateDirectory(Path.Combine(ArtifactsRoot, "packages"));
            File.WriteAllBytes(Path.Combine(ArtifactsRoot, file), bytes);
            entries.Add(new { name, version = "1.2.3", gitCommit = commit, size = bytes.Length, sha256 = Convert.ToHexStringLower(hash), codeSha256 = Convert.ToBase64String(hash), fileName = file, files = 1 });
        }

        File.WriteAllText(Path.Combine(ArtifactsRoot, "manifest.json"), JsonSerializer.Serialize(new { gitCommit = commit, packages = entries }));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(routerCode)));
    }

    [Test]
    public async Task Publishing_uploads_the_zips_content_addressed_and_the_manifest_under_the_commit()
    {
        var router = Package();

        var result = await Promotion().PublishAsync(ArtifactsRoot, Commit);

        Assert.That(result.Passed, Is.True, string.Join("\n", result.Failures));
        Assert.That(result.Uploaded, Is.EqualTo(2));
        Assert.That(Server.S3.Keys(Bucket), Does.Contain($"artifacts/storytailor-router/{router}.zip").And.Contain($"builds/{Commit}/manifest.json"));
        var manifest = Server.S3.Object(Bucket, $"builds/{Commit}/manifest.json")!.Content;
        Assert.That(manifest, Is.EqualTo(File.ReadAllBytes(Path.Combine(ArtifactsRoot, "manifest.json"))), "the manifest's bytes, as packaged");
        Assert.That(result.ManifestSha256, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(manifest))));
        AssertAllSigned();
    }

    [Test]
    public async Task Publishing_the_same_set_again_sends_no_object_and_says_it_was_already_published()
    {
        Package();
        await Promotion().PublishAsync(ArtifactsRoot, Commit);
        var puts = Server.Requests.Count(r => r.Operation == "PutObject");

        var again = await Promotion().PublishAsync(ArtifactsRoot, Commit);

        Assert.That(again.Passed, Is.True, string.Join("\n", again.Failures));
        Assert.That(again.ManifestWasPresent, Is.True);
        Assert.That(again.AlreadyPresent, Is.EqualTo(2));
        Assert.That(Server.Requests.Count(r => r.Operation == "PutObject" && r.Path.Contains("/artifacts/", StringComparison.Ordinal)), Is.EqualTo(2), "no zip uploaded twice");
        Assert.That(Server.Requests.Count(r => r.Operation == "PutObject"), Is.EqualTo(puts + 1), "only the refused conditional create of the manifest");
    }

    [Test]
    public async Task A_different_build_of_the_same_commit_fails_and_keeps_the_published_set()
    {
        Package();
        var first = await Promotion().PublishAsync(ArtifactsRoot, Commit);
        Package("router code, built differently");

        var second = await Promotion().PublishAsync(ArtifactsRoot, Commit);

        Assert.That(second.Passed, Is.False);
        Assert.That(second.Failures.Single(), Does.Contain("already holds a different manifest").And.Contain("@storytailor/router"));
        var published = await Promotion().FindAsync(Commit);
        Assert.That(published!.ManifestSha256, Is.EqualTo(first.ManifestSha256), "the first set stays");
    }

    [Test]
    public async Task A_manifest_built_from_another_commit_is_not_published_under_this_one()
    {
        Package(commit: "fedcba9876543210fedcba9876543210fedcba98");

        var result = await Promotion().PublishAsync(ArtifactsRoot, Commit);

        Assert.That(result.Passed, Is.False);
        Assert.That(result.Failures.Single(), Does.Contain("was built from commit fedcba98").And.Contain(Commit));
        Assert.That(Server.Requests.Where(r => r.Operation == "PutObject"), Is.Empty, "nothing uploaded");
    }

    [Test]
    public async Task A_commit_without_a_published_set_is_found_as_none()
    {
        Assert.That(await Promotion().FindAsync(Commit), Is.Null);
    }

    [Test]
    public async Task The_downloaded_set_holds_the_published_bytes_and_the_manifest()
    {
        var router = Package();
        await Promotion().PublishAsync(ArtifactsRoot, Commit);
        var set = (await Promotion().FindAsync(Commit))!;
        var folder = Path.Combine(ArtifactsRoot, "promoted");

        await Promotion().DownloadAsync(set, folder);

        Assert.That(File.ReadAllText(Path.Combine(folder, "packages", "storytailor-router-1.2.3.zip")), Is.EqualTo("router code"));
        Assert.That(File.ReadAllBytes(Path.Combine(folder, "manifest.json")), Is.EqualTo(set.ManifestBytes));
        Assert.That(ArtifactManifest.Read(Path.Combine(folder, "manifest.json")).Packages.First(p => p.Name == "@storytailor/router").Sha256, Is.EqualTo(router));
    }

    [Test]
    public async Task A_published_zip_replaced_in_the_bucket_is_refused_naming_the_package_and_both_hashes()
    {
        var router = Package();
        await Promotion().PublishAsync(ArtifactsRoot, Commit);
        var set = (await Promotion().FindAsync(Commit))!;
        await Store.DeleteAsync($"artifacts/storytailor-router/{router}.zip");
        await Store.CreateAsync($"artifacts/storytailor-router/{router}.zip", Encoding.UTF8.GetBytes("tampered"));

        var failure = Assert.ThrowsAsync<InvalidDataException>(() => Promotion().DownloadAsync(set, Path.Combine(ArtifactsRoot, "promoted")));

        Assert.That(failure!.Message, Does.Contain("@storytailor/router").And.Contain(router).And.Contain("cannot be deployed"));
        Assert.That(File.Exists(Path.Combine(ArtifactsRoot, "promoted", "manifest.json")), Is.False, "no manifest to deploy from");
    }

    [Test]
    public async Task A_set_has_passed_staging_only_once_its_pass_is_recorded_and_only_that_exact_set()
    {
        Package();
        await Promotion().PublishAsync(ArtifactsRoot, Commit);
        var set = (await Promotion().FindAsync(Commit))!;
        Assert.That(await Promotion().StagingPassOfAsync(set), Is.Null, "published, not yet staged");

        var key = await Promotion().RecordStagingPassAsync(set, new StagingPass(Commit, set.ManifestSha256, "0.0.0-0123456", "dep-1", Time.GetUtcNow()));

        Assert.That(key, Is.EqualTo($"builds/{Commit}/passed-staging/{set.ManifestSha256}.json"));
        var pass = await Promotion().StagingPassOfAsync(set);
        Assert.That(pass!.DeploymentId, Is.EqualTo("dep-1"));
        var other = set with { ManifestSha256 = new string('a', 64) };
        Assert.That(await Promotion().StagingPassOfAsync(other), Is.Null, "another manifest of the commit has not passed staging");
    }
}
