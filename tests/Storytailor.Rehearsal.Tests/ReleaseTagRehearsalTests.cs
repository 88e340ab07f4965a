using Storytailor.Build.Tests;

namespace Storytailor.Rehearsal.Tests;

/// <summary>DeployProduction deploys the commit its tag names: a checkout of another commit, or a tag that does not exist, stops before any side effect.</summary>
[TestFixture]
[Category("EndToEnd")]
[NonParallelizable]
public sealed class ReleaseTagRehearsalTests
{
    private DeployRehearsal _rehearsal = null!;

    [OneTimeSetUp]
    public void Prepare() => _rehearsal = RehearsalAssembly.Shared;

    [Test]
    public async Task A_checkout_of_another_commit_than_the_tags_is_refused_with_exit_2_naming_both_and_nothing_is_touched()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("tag-elsewhere");
        // v3.0.0 names a later commit than the one checked out (as when a dispatch ran on a branch's head).
        var head = DeployRehearsal.Git(_rehearsal.App, "rev-parse", "HEAD");
        var later = DeployRehearsal.Git(_rehearsal.App, "-c", "user.name=rehearsal", "-c", "user.email=rehearsal@example.invalid", "commit-tree", "HEAD^{tree}", "-p", "HEAD", "-m", "later");
        DeployRehearsal.Git(_rehearsal.App, "tag", "--force", "v3.0.0", later);

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v3.0.0");

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.Contain($"HEAD is {head}, but tag v3.0.0 names {later}"));
        Assert.That(rehearsal.Fake.Requests, Is.Empty, "no AWS request at all: no lock, no upload, no DNS read");
        Assert.That(rehearsal.StateOf("prod-green"), Is.Empty, "nothing applied");
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.BlueEndpoint));
        Assert.That(run.Output, Does.Not.Match(@"Restore\s+\d\d:\d\d"), "stopped before the first task");
    }

    [Test]
    public async Task A_tag_that_does_not_exist_is_refused_with_exit_2_before_any_AWS_call()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("tag-missing");

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v7.7.7");

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.Contain("Tag v7.7.7 does not exist in the repository"));
        Assert.That(rehearsal.Fake.Requests, Is.Empty);
    }

    [Test]
    public async Task The_dry_run_checks_the_tag_too()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("tag-missing-dry-run");

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v7.7.8", "--dry-run");

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.Contain("Tag v7.7.8 does not exist"));
        Assert.That(rehearsal.Fake.Requests, Is.Empty);
    }
}
