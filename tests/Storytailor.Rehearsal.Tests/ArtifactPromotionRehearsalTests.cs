using System.Text.Json;
using Storytailor.Deploy;

namespace Storytailor.Rehearsal.Tests;

/// <summary>
/// Build once, promote the same bytes, rehearsed: Ci's PublishArtifacts stage puts the artifact set into the fake
/// bucket under the commit; DeployProduction of that commit deploys exactly those objects once staging passed them,
/// and refuses them before any side effect when staging never did.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
[NonParallelizable]
public sealed class ArtifactPromotionRehearsalTests
{
    private DeployRehearsal _rehearsal = null!;

    [OneTimeSetUp]
    public void Prepare() => _rehearsal = RehearsalAssembly.Shared;

    [Test]
    public async Task Production_of_a_commit_whose_artifacts_passed_staging_deploys_exactly_the_objects_Ci_published()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("promote", artifacts: ArtifactSeed.None);

        var ci = rehearsal.Build("--target=PublishArtifacts", "--publish-artifacts");
        Assert.That(ci.ExitCode, Is.EqualTo(0), ci.ToString());
        var published = rehearsal.Fake.S3.Keys(DeployRehearsal.Bucket);
        Assert.That(published, Does.Contain($"builds/{_rehearsal.Commit}/manifest.json"));
        var zips = published.Where(k => k.StartsWith("artifacts/", StringComparison.Ordinal)).ToList();
        Assert.That(zips, Has.Count.EqualTo(_rehearsal.CodeSha256.Count), "one content-addressed zip per package");

        // Staging passed this set (what a successful DeployStaging of the commit records).
        await _rehearsal.SeedArtifactsAsync(rehearsal.Fake, ArtifactSeed.PassedStaging);
        rehearsal.Fake.ClearRequests();

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("Artifacts: promoted from Ci").And.Contain("passed staging as 0.0.0-"));
        Assert.That(run.Output, Does.Contain("not rebuilt: the artifact set Ci published for " + _rehearsal.Commit), "Package did not run");
        var uploads = rehearsal.Fake.Requests.Where(r => r.Operation == "PutObject" && r.Path.Contains("/artifacts/", StringComparison.Ordinal)).ToList();
        Assert.That(uploads, Is.Empty, "no new zip uploaded: " + string.Join(", ", uploads.Select(u => u.Path)));
        Assert.That(rehearsal.Fake.S3.Keys(DeployRehearsal.Bucket).Where(k => k.StartsWith("artifacts/", StringComparison.Ordinal)), Is.EqualTo(zips), "the bucket holds exactly Ci's zips");
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.GreenEndpoint));
        var record = rehearsal.Ledger().Single().RootElement;
        Assert.That(record.GetProperty("outcome").GetString(), Is.EqualTo("Succeeded"));
        Assert.That(Facts(record, "preflight"), Has.Some.Contains($"artifacts promoted from Ci: builds/{_rehearsal.Commit}/manifest.json").And.Some.Contains("passed staging"));
        Assert.That(Facts(record, "upload"), Has.Some.StartsWith("0 uploaded"));
        Assert.That(Facts(record, "verify-functions"), Has.Some.Contains(_rehearsal.CodeSha256["@storytailor/router"]), "the functions run the published CodeSha256");
    }

    [Test]
    public async Task Artifacts_that_never_passed_staging_are_refused_before_any_side_effect()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("not-staged", artifacts: ArtifactSeed.Published);

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("has not passed staging").And.Contain("--skip-tests"));
        Assert.That(rehearsal.Fake.MutatingRequests, Is.Empty, string.Join(", ", rehearsal.Fake.MutatingRequests.Select(r => $"{r.Operation} {r.Path}")));
        Assert.That(rehearsal.Ledger(), Is.Empty, "no deployment record was opened");
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.BlueEndpoint));
        Assert.That(rehearsal.StateOf("prod-green"), Is.Empty, "nothing applied");

        var dryRun = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0", "--dry-run");
        Assert.That(dryRun.ExitCode, Is.EqualTo(0), dryRun.ToString());
        // The bucket's name is a secret: the log masks it.
        Assert.That(dryRun.Output, Does.Contain($"Artifacts: promoted from Ci, s3://***/builds/{_rehearsal.Commit}/manifest.json").And.Contain("has NOT passed staging").And.Contain("A run would be REFUSED"));
    }

    private static IEnumerable<string> Facts(JsonElement record, string step) =>
        record.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("name").GetString() == step).GetProperty("facts").EnumerateArray().Select(f => f.GetString()!);
}
