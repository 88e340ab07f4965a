using Cake.Core;
using Cake.Core.Configuration;
using Storytailor.Build.Context;

namespace Storytailor.Build.Tests;

[TestFixture]
public sealed class ParameterTests
{
    private static ParameterReader Reader(string[] args, Dictionary<string, string> environment, Dictionary<string, string> config) =>
        new(
            new CakeArguments(args.Select(a => a.Split('=', 2)).ToLookup(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase)),
            name => environment.GetValueOrDefault(name),
            new CakeConfiguration(config));

    [Test]
    public void An_argument_wins_over_the_environment_which_wins_over_cake_config()
    {
        var config = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Storytailor_CoverageThreshold"] = "70" };
        var environment = new Dictionary<string, string> { ["STORYTAILOR_COVERAGE_THRESHOLD"] = "80" };

        Assert.That(Reader([], [], config).Read(BuildParameters.CoverageThreshold), Is.EqualTo(70));
        Assert.That(Reader([], environment, config).Read(BuildParameters.CoverageThreshold), Is.EqualTo(80));
        Assert.That(Reader(["coverage-threshold=85"], environment, config).Read(BuildParameters.CoverageThreshold), Is.EqualTo(85));
        Assert.That(Reader([], [], []).Read(BuildParameters.CoverageThreshold), Is.EqualTo(90));
    }

    [Test]
    public void Every_parameter_is_declared_once_with_a_description_and_default()
    {
        var names = BuildParameters.All.Select(p => p.Name).ToList();

        Assert.That(names, Is.Unique);
        Assert.That(names, Is.SupersetOf(new[] { "app-root", "environment", "tag", "coverage-threshold", "skip-tests", "reason", "artifacts" }));
        Assert.That(BuildParameters.All.Select(p => p.Description), Has.None.Empty);
    }

    [TestCase("--environment=prod", "Invalid value for --environment: 'prod' is not valid. Did you mean 'production'? Valid values: staging, production.")]
    [TestCase("--coverage-threshold=120", "Invalid value for --coverage-threshold: '120' is not a number from 0 to 100.")]
    [TestCase("--skip-tests", "--skip-tests needs a reason")]
    [TestCase("--tag=1.2.3", "--tag '1.2.3' is not a release version. Expected vMAJOR.MINOR.PATCH")]
    [TestCase("--app-root=does-not-exist", "does-not-exist' does not exist")]
    [TestCase("--enviroment=staging", "Unknown option '--enviroment'. Did you mean 'environment'?")]
    [TestCase("--covrage=1", "Unknown option '--covrage'. Did you mean 'coverage-threshold'?")]
    [TestCase("--target=Cii", "Unknown target 'Cii'. Did you mean 'Ci'?")]
    public void Invalid_parameters_exit_2_with_one_line_naming_the_problem_and_no_task_runs(string argument, string message)
    {
        var run = BuildProgram.Run(BuildProgram.RepositoryRoot, null, "--target=Ci", argument);

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.Contain(message));
        Assert.That(run.Output, Does.Not.Contain("required secret(s)"), "no task may run");
        Assert.That(run.Output, Does.Not.Contain("Duration"), "no task report: nothing ran");
        Assert.That(run.Output, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public void Several_problems_are_reported_together()
    {
        var run = BuildProgram.Run(BuildProgram.RepositoryRoot, null, "--target=Ci", "--environment=qa", "--coverage-threshold=x");

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.Contain("--environment").And.Contain("--coverage-threshold"));
    }

    [Test]
    public void The_release_version_comes_from_the_tag_in_GITHUB_REF_and_a_bad_tag_there_is_rejected()
    {
        var good = BuildProgram.Run(BuildProgram.RepositoryRoot, new Dictionary<string, string?> { ["GITHUB_REF"] = "refs/tags/v1.2.3" }, "--target=Ci", "--dry-run");
        var bad = BuildProgram.Run(BuildProgram.RepositoryRoot, new Dictionary<string, string?> { ["GITHUB_REF"] = "refs/tags/release-7" }, "--target=Ci", "--dry-run");

        Assert.That(good.ExitCode, Is.EqualTo(0), good.ToString());
        Assert.That(bad.ExitCode, Is.EqualTo(2), bad.ToString());
        Assert.That(bad.Output, Does.Contain("GITHUB_REF tag 'release-7' is not a release version"));
    }

    [TestCase("--tree")]
    [TestCase("--description")]
    public void Drawing_a_deployment_target_needs_none_of_its_parameters(string mode)
    {
        var run = BuildProgram.Run(BuildProgram.RepositoryRoot, new Dictionary<string, string?> { ["GITHUB_REF"] = null }, "--target=DeployProduction", mode);

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("DeployProduction").And.Contain("Preflight"));
        Assert.That(run.Output, Does.Not.Contain("give its version"));
    }

    [Test]
    public void A_malformed_cake_config_exits_2_naming_it()
    {
        using var folder = new TemporaryFolder();
        File.WriteAllText(Path.Combine(folder.Path, "cake.config"), "[Storytailor\nCoverageThreshold 90\n");
        var run = BuildProgram.Run(folder.Path, null, "--target=Ci", $"--app-root={BuildProgram.ExampleApp}");

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.Contain("Error:"));
        Assert.That(run.Output, Does.Not.Contain("required secret(s)"));
    }

    [Test]
    public void Help_lists_every_target_and_every_parameter_with_its_default()
    {
        var run = BuildProgram.Run(BuildProgram.RepositoryRoot, new Dictionary<string, string?> { ["COLUMNS"] = "250" }, "--help");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("Ci").And.Contain("Continuous integration"));
        foreach (var parameter in BuildParameters.All)
        {
            Assert.That(run.Output, Does.Contain($"--{parameter.Name}"));
        }
    }
}
