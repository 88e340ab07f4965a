using NUnit.Framework;
using Storytailor.Deploy;

namespace Storytailor.Deploy.Tests;

public sealed class DeploymentSettingsTests
{
    [Test]
    public void Production_section_with_colours_parses_with_spec_defaults()
    {
        var settings = DeploymentSettingsParser.Parse("production", new Dictionary<string, string?>
        {
            ["domain"] = "api.storytailor.com",
            ["Blue.Endpoint"] = "blue-api.storytailor.internal",
            ["green.endpoint"] = "green-api.storytailor.internal",
            ["Blue.Functions"] = "storytailor-prod-blue-router, storytailor-prod-blue-stories",
            ["Green.Functions"] = "storytailor-prod-green-router",
            ["MonitoringWindow"] = "20m",
        });

        Assert.Multiple(() =>
        {
            Assert.That(settings.IsBlueGreen, Is.True);
            Assert.That(settings.ColourOf(DeploymentColour.Blue).Workspace, Is.EqualTo("prod-blue"));
            Assert.That(settings.ColourOf(DeploymentColour.Green).Workspace, Is.EqualTo("prod-green"));
            Assert.That(settings.ColourOf(DeploymentColour.Blue).Functions, Is.EqualTo(new[] { "storytailor-prod-blue-router", "storytailor-prod-blue-stories" }));
            Assert.That(settings.ColourOf(DeploymentColour.Green).ApiName, Is.EqualTo("storytailor-prod-green"));
            Assert.That(settings.MonitoringWindow, Is.EqualTo(TimeSpan.FromMinutes(20)));
            Assert.That(settings.PollInterval, Is.EqualTo(TimeSpan.FromMinutes(1)));
            Assert.That(settings.ConsecutiveBreaches, Is.EqualTo(2));
            Assert.That(settings.Thresholds.P95Ms, Is.EqualTo(800));
            Assert.That(settings.Thresholds.ErrorRatePercent, Is.EqualTo(1.0));
            Assert.That(settings.Thresholds.ColdStartMs, Is.EqualTo(150));
            Assert.That(settings.RecordType, Is.EqualTo("CNAME"));
            Assert.That(settings.HostedZoneIdSecret, Is.EqualTo("ROUTE53_HOSTED_ZONE_ID"));
            Assert.That(settings.ColourForTarget("GREEN-api.storytailor.internal."), Is.EqualTo(DeploymentColour.Green));
            Assert.That(settings.ColourForTarget("elsewhere.example"), Is.Null);
        });
    }

    [Test]
    public void Monitoring_defaults_are_the_safe_ones_and_each_missing_data_rule_is_a_key()
    {
        var defaults = DeploymentSettingsParser.Parse("production", Colours());
        var changed = DeploymentSettingsParser.Parse("production", Colours(v =>
        {
            v["ApiType"] = "REST";
            v["MissingRequests"] = "notBreaching";
            v["MissingColdStarts"] = "breaching";
            v["MetricPeriod"] = "5m";
            v["PollInterval"] = "5m";
            v["MonitoringWindow"] = "30m";
            v["MonitoringExtension"] = "10m";
            v["NoTrafficSamples"] = "3";
            v["LambdaP95Ms"] = "600";
        }));

        Assert.Multiple(() =>
        {
            Assert.That(defaults.ApiType, Is.EqualTo(Aws.ApiGatewayType.Http));
            Assert.That(defaults.MetricPeriod, Is.EqualTo(TimeSpan.FromMinutes(1)));
            Assert.That(defaults.MetricDelay, Is.EqualTo(TimeSpan.FromMinutes(1)));
            Assert.That(defaults.MonitoringExtension, Is.EqualTo(TimeSpan.FromMinutes(5)));
            Assert.That(defaults.NoTrafficSamples, Is.EqualTo(2));
            Assert.That(defaults.MissingData, Is.EqualTo(new MissingDataRules()));
            Assert.That(defaults.MissingData.Requests, Is.EqualTo(MissingData.Breaching));
            Assert.That(defaults.MissingData.Latency, Is.EqualTo(MissingData.Breaching));
            Assert.That(defaults.MissingData.ErrorRate, Is.EqualTo(MissingData.Breaching));
            Assert.That(defaults.MissingData.LambdaErrors, Is.EqualTo(MissingData.NotBreaching));
            Assert.That(defaults.MissingData.ColdStarts, Is.EqualTo(MissingData.Ignore));
            Assert.That(changed.ApiType, Is.EqualTo(Aws.ApiGatewayType.Rest));
            Assert.That(changed.MissingData.Requests, Is.EqualTo(MissingData.NotBreaching));
            Assert.That(changed.MissingData.ColdStarts, Is.EqualTo(MissingData.Breaching));
            Assert.That(changed.MetricPeriod, Is.EqualTo(TimeSpan.FromMinutes(5)));
            Assert.That(changed.NoTrafficSamples, Is.EqualTo(3));
            Assert.That(changed.Thresholds.LambdaP95Ms, Is.EqualTo(600));
        });
    }

    [Test]
    public void Monitoring_settings_that_cannot_work_are_refused_each_with_its_reason()
    {
        var ok = DeploymentSettingsParser.TryParse("production", Colours(v =>
        {
            v["ApiType"] = "graphql";
            v["MissingLatency"] = "sometimes";
            v["MetricPeriod"] = "45s";
            v["NoTrafficSamples"] = "0";
            v["ConsecutiveBreaches"] = "3";
            v["MonitoringExtension"] = "1m";
        }), out var problems);
        var misaligned = DeploymentSettingsParser.TryParse("production", Colours(v => v["PollInterval"] = "90s"), out var alignment);

        Assert.That(ok, Is.Null);
        Assert.That(problems, Has.Some.StartsWith("ApiType: 'graphql' is not an API Gateway type (http or rest)"));
        Assert.That(problems, Has.Some.StartsWith("MissingLatency: 'sometimes' is not a missing-data rule"));
        Assert.That(problems, Has.Some.StartsWith("MetricPeriod: 45s is not a CloudWatch period"));
        Assert.That(problems, Has.Some.StartsWith("NoTrafficSamples: 0 must be at least 1"));
        Assert.That(problems, Has.Some.StartsWith("MonitoringExtension: 1m is shorter than 2 poll interval(s)"));
        Assert.That(misaligned, Is.Null);
        Assert.That(alignment.Single(), Does.StartWith("PollInterval: 1m30s is not a whole number of MetricPeriod 1m"));
    }

    private static Dictionary<string, string?> Colours(Action<Dictionary<string, string?>>? change = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Domain"] = "api.storytailor.com",
            ["Blue.Endpoint"] = "blue-api.storytailor.internal",
            ["Green.Endpoint"] = "green-api.storytailor.internal",
            ["Blue.Functions"] = "storytailor-prod-blue-router",
            ["Green.Functions"] = "storytailor-prod-green-router",
        };
        change?.Invoke(values);
        return values;
    }

    [Test]
    public void Staging_defaults_to_its_own_workspace_and_no_colours()
    {
        var settings = DeploymentSettingsParser.Parse("staging", new Dictionary<string, string?> { ["Domain"] = "staging-api.storytailor.com" });

        Assert.Multiple(() =>
        {
            Assert.That(settings.IsBlueGreen, Is.False);
            Assert.That(settings.Workspace, Is.EqualTo("staging"));
        });
    }

    [Test]
    public void Every_problem_is_reported_at_once()
    {
        var ok = DeploymentSettingsParser.TryParse("production", new Dictionary<string, string?>
        {
            ["Blue.Endpoint"] = "same.storytailor.internal",
            ["Green.Endpoint"] = "same.storytailor.internal",
            ["Green.Workspace"] = "prod-blue",
            ["P95Ms"] = "fast",
            ["PollInterval"] = "often",
            ["ConsecutiveBreaches"] = "0",
            ["RecordType"] = "A",
            ["MonitorWindow"] = "15m",
        }, out var problems);

        Assert.That(ok, Is.Null);
        Assert.That(problems, Has.Some.StartsWith("Domain: required"));
        Assert.That(problems, Has.Some.StartsWith("P95Ms: 'fast' is not a number"));
        Assert.That(problems, Has.Some.StartsWith("PollInterval: 'often' is not a duration"));
        Assert.That(problems, Has.Some.StartsWith("ConsecutiveBreaches: 0"));
        Assert.That(problems, Has.Some.StartsWith("RecordType: 'A' is not supported"));
        Assert.That(problems, Has.Some.StartsWith("MonitorWindow: unknown setting"));
        Assert.That(problems, Has.Some.Contains("both colours use the workspace 'prod-blue'"));
        Assert.That(problems, Has.Some.Contains("both colours use 'same.storytailor.internal'"));
        Assert.That(problems, Has.Some.StartsWith("Blue.Functions"));
    }

    [Test]
    public void Parse_throws_listing_the_problems()
    {
        var error = Assert.Throws<DeploymentSettingsException>(() => DeploymentSettingsParser.Parse("production", new Dictionary<string, string?> { ["Domain"] = "api.storytailor.com" }));

        Assert.That(error!.Message, Does.Contain("Blue.Endpoint").And.Contain("Green.Endpoint").And.Contain("'production'"));
    }

    [Test]
    public void A_window_too_short_for_the_consecutive_breaches_is_rejected()
    {
        var settings = new DeploymentEnvironmentSettings
        {
            Name = "staging",
            Domain = "staging-api.storytailor.com",
            Workspace = "staging",
            MonitoringWindow = TimeSpan.FromMinutes(1),
            PollInterval = TimeSpan.FromMinutes(1),
            ConsecutiveBreaches = 2,
        };

        Assert.That(settings.Validate(), Has.Some.Contains("could never trigger"));
    }

    [Test]
    public void A_colour_endpoint_equal_to_the_public_domain_is_rejected()
    {
        var problems = new DeploymentEnvironmentSettings
        {
            Name = "production",
            Domain = "api.storytailor.com",
            Colours =
            [
                new ColourTarget(DeploymentColour.Blue, "prod-blue", "api.storytailor.com") { Functions = ["f"] },
                new ColourTarget(DeploymentColour.Green, "prod-green", "green.storytailor.com") { Functions = ["g"] },
            ],
        }.Validate();

        Assert.That(problems, Is.EqualTo(new[] { "Blue.Endpoint: 'api.storytailor.com' is the public domain itself; it must be the colour's own host name." }));
    }

    [TestCase("15m", 900)]
    [TestCase("30s", 30)]
    [TestCase("1h30m", 5400)]
    [TestCase("500ms", 0.5)]
    [TestCase("00:15:00", 900)]
    [TestCase("45", 45)]
    public void Durations_are_read_in_the_forms_cake_config_uses(string text, double seconds)
    {
        Assert.That(Durations.TryParse(text, out var value), Is.True);
        Assert.That(value.TotalSeconds, Is.EqualTo(seconds));
    }

    [TestCase("")]
    [TestCase("soon")]
    [TestCase("15x")]
    [TestCase("-5")]
    public void Invalid_durations_are_refused(string text) => Assert.That(Durations.TryParse(text, out _), Is.False);
}
