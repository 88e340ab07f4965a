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
