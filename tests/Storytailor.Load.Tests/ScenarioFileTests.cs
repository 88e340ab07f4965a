namespace Storytailor.Load.Tests;

public class ScenarioFileTests
{
    internal static string ExampleRoot => Path.GetFullPath(Path.Combine(TestContext.CurrentContext.TestDirectory, "../../../../../example"));

    [Test]
    public void The_example_apps_scenario_file_defines_the_spec_profiles()
    {
        var scenario = ScenarioFile.Load(Path.Combine(ExampleRoot, ScenarioFile.DefaultRelativePath));

        var staging = scenario.Profile("staging");
        var production = scenario.Profile("production");
        Assert.Multiple(() =>
        {
            Assert.That(staging.Model, Is.EqualTo(LoadModel.Closed));
            Assert.That(staging.VirtualUsers, Is.EqualTo(50));
            Assert.That(staging.Duration, Is.EqualTo(TimeSpan.FromMinutes(5)));
            Assert.That(production.Model, Is.EqualTo(LoadModel.Open));
            Assert.That(production.Rate, Is.EqualTo(500));
            Assert.That(production.Thresholds.Select(t => t.ToString()), Does.Contain("dropped_iterations: count<1").And.Contain("http_req_duration: p(95)<800"));
            Assert.That(production.Thresholds.Single(t => t.Metric == LoadMetrics.Failed).AbortOnFail, Is.True);
            Assert.That(scenario.Requests.Single(r => r.Method == "POST").Headers["x-api-key"], Is.EqualTo("${API_KEY}"));
        });
    }

    [Test]
    public void Overrides_replace_the_profile_size()
    {
        var profile = new LoadOverrides(Duration: TimeSpan.FromSeconds(30), Rate: 20).ApplyTo(StandardProfiles.Production);

        Assert.That((profile.Duration, profile.Rate, profile.Thresholds.Count), Is.EqualTo((TimeSpan.FromSeconds(30), 20.0, 3)));
    }

    [Test]
    public void A_malformed_threshold_in_the_file_names_the_file_line_and_expression()
    {
        const string yaml = "requests:\n  - path: /health\nprofiles:\n  quick:\n    duration: 5s\n    thresholds:\n      http_req_duration: [\"p(95)<<800\"]\n";

        var error = Assert.Throws<LoadConfigurationException>(() => ScenarioFile.Parse(yaml, "scenarios.yml"));

        Assert.That(error!.Message, Does.Contain("scenarios.yml:7").And.Contain("p(95)<<800"));
    }

    [TestCase("requests: []\n", "at least one request")]
    [TestCase("requests:\n  - method: GET\n", "no 'path'")]
    [TestCase("requests:\n  - path: /x\nprofiles:\n  p:\n    duration: ten\n", "duration 'ten'")]
    [TestCase("requests:\n  - path: /x\nprofiles:\n  p:\n    model: sideways\n", "model 'sideways'")]
    [TestCase("requests: [\n", "not valid YAML")]
    public void Bad_scenario_files_are_configuration_errors(string yaml, string reason)
    {
        var error = Assert.Throws<LoadConfigurationException>(() => ScenarioFile.Parse(yaml));

        Assert.That(error!.Message, Does.Contain(reason));
    }

    [Test]
    public void An_unknown_profile_lists_the_known_ones()
    {
        var scenario = ScenarioFile.Parse("requests:\n  - path: /health\n");

        var error = Assert.Throws<LoadConfigurationException>(() => scenario.Profile("soak"));

        Assert.That(error!.Message, Does.Contain("soak").And.Contain("baseline, production, staging"));
    }

    [TestCase("1m30s", 90)]
    [TestCase("500ms", 0.5)]
    [TestCase("5m", 300)]
    public void Durations_use_k6_notation(string text, double seconds) =>
        Assert.That(ScenarioFile.ParseDuration(text).TotalSeconds, Is.EqualTo(seconds));
}
