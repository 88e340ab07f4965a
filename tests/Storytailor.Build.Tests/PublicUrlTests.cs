using Storytailor.Build.Description;

namespace Storytailor.Build.Tests;

/// <summary>
/// Which URL SmokeTests probes when no --base-url is given: --staging-url, else the app's storytailor.yml
/// (deploy.urls), else https://&lt;Domain&gt; of cake.config's [Deploy.Staging]; none of them is exit 2.
/// Nothing listens at the URLs used here, so each run fails its checks (exit 1) after naming where it probed.
/// </summary>
[TestFixture]
public sealed class PublicUrlTests
{
    private TemporaryFolder _folder = null!;

    private string App => Path.Combine(_folder.Path, "app");

    private string Working => Path.Combine(_folder.Path, "work");

    [SetUp]
    public void CreateApp()
    {
        _folder = new TemporaryFolder("public-url-");
        Directory.CreateDirectory(Path.Combine(App, "services", "api"));
        Directory.CreateDirectory(Working);
        File.WriteAllText(Path.Combine(App, "package.json"), """{ "name": "shop", "private": true, "workspaces": ["services/*"] }""");
        File.WriteAllText(Path.Combine(App, "services", "api", "package.json"), """{ "name": "@shop/api", "version": "1.0.0", "main": "dist/index.js" }""");
    }

    [TearDown]
    public void RemoveApp() => _folder.Dispose();

    private BuildRun Smoke(params string[] arguments) => BuildProgram.Run(
        Working,
        new Dictionary<string, string?> { ["API_KEY_STAGING"] = "public-url-key", ["CI"] = "true" },
        ["--target=SmokeTests", "--environment=staging", $"--app-root={App}", $"--artifacts={Path.Combine(_folder.Path, "artifacts")}", "--smoke-response-limit=10000", .. arguments]);

    private void Declare(string yaml) => File.WriteAllText(Path.Combine(App, AppDescriptionFile.FileName), yaml);

    [Test]
    public void SmokeTests_probe_the_staging_url_the_app_declares()
    {
        Declare("deploy:\n  urls:\n    staging: http://127.0.0.1:9/declared\n");

        var run = Smoke();

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("Smoke tests against http://127.0.0.1:9/declared (staging"));
    }

    [Test]
    public void The_staging_url_argument_replaces_the_declared_one()
    {
        Declare("deploy:\n  urls:\n    staging: http://127.0.0.1:9/declared\n");

        var run = Smoke("--staging-url=http://127.0.0.1:9/argument");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("Smoke tests against http://127.0.0.1:9/argument (staging").And.Not.Contain("/declared"));
    }

    [Test]
    public void Without_a_declared_url_the_environments_domain_is_the_public_url()
    {
        File.WriteAllText(Path.Combine(Working, "cake.config"), "[Deploy.Staging]\nDomain=staging.shop.invalid\nWorkspace=staging\nApiKeySecret=API_KEY_STAGING\n");

        var run = Smoke();

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("Smoke tests against https://staging.shop.invalid/ (staging"));
    }

    [Test]
    public void Without_any_url_SmokeTests_stop_with_exit_2_saying_how_to_give_one()
    {
        var run = Smoke();

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.Contain("No URL to test for staging: pass --base-url or --staging-url, or declare deploy.urls.staging in storytailor.yml."));
        Assert.That(run.Output, Does.Not.Contain("Smoke tests against"), "no request was sent");
    }
}
