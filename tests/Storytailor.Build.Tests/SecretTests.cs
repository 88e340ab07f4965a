using Cake.Core;
using Storytailor.Build.Context;
using Storytailor.Build.Secrets;

namespace Storytailor.Build.Tests;

[TestFixture]
public sealed class SecretTests
{
    private static readonly string[] SpecSecrets =
    [
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "TERRAFORM_STATE_BUCKET", "LAMBDA_ARTIFACTS_BUCKET",
        "SUPABASE_URL_STAGING", "SUPABASE_ANON_KEY_STAGING", "SUPABASE_SERVICE_KEY_STAGING", "SUPABASE_PROJECT_REF_STAGING",
        "SUPABASE_URL_PROD", "SUPABASE_ANON_KEY_PROD", "SUPABASE_SERVICE_KEY_PROD", "SUPABASE_PROJECT_REF_PROD",
        "SUPABASE_ACCESS_TOKEN", "OPENAI_API_KEY", "ELEVENLABS_API_KEY", "STABILITY_API_KEY", "AMAZON_API_KEY",
        "STRIPE_SECRET_KEY_TEST", "STRIPE_SECRET_KEY_PROD", "JWT_SECRET_STAGING", "JWT_SECRET_PROD",
        "ALEXA_SKILL_ID_STAGING", "ALEXA_SKILL_ID_PROD", "API_KEY_STAGING", "API_KEY_PROD", "CODECOV_TOKEN", "SNYK_TOKEN",
        "ROUTE53_HOSTED_ZONE_ID", "ACM_CERTIFICATE_ARN", "SLACK_WEBHOOK_URL", "TURBO_TOKEN", "TURBO_TEAM",
    ];

    /// <summary>Secrets the build needs beyond the spec's list: the database URLs for supabase db push (DeployStaging, DeployProduction).</summary>
    private static readonly string[] BuildSecrets = ["SUPABASE_DB_URL_STAGING", "SUPABASE_DB_URL_PRODUCTION"];

    [Test]
    public void The_catalog_holds_every_secret_of_the_pipeline_spec_once()
    {
        Assert.That(SecretCatalog.All.Select(s => s.Name), Is.EquivalentTo(SpecSecrets.Concat(BuildSecrets)));
        Assert.That(SecretCatalog.All.Select(s => s.Purpose), Has.None.Empty);
    }

    [Test]
    public void Preflight_lists_every_missing_required_secret_of_the_target_at_once()
    {
        var present = new Dictionary<string, string> { ["TERRAFORM_STATE_BUCKET"] = "state", ["OPENAI_API_KEY"] = "sk-x" };
        var missing = SecretPreflight.Missing(["DeployStaging"], DeploymentEnvironment.Staging, present.GetValueOrDefault);

        Assert.That(missing, Does.Contain("LAMBDA_ARTIFACTS_BUCKET").And.Contain("SUPABASE_URL_STAGING").And.Contain("API_KEY_STAGING"));
        Assert.That(missing, Does.Not.Contain("TERRAFORM_STATE_BUCKET").And.Not.Contain("OPENAI_API_KEY"));
        Assert.That(missing, Has.None.EndsWith("_PROD"), "staging needs no production secret");
        Assert.That(missing, Does.Not.Contain("SNYK_TOKEN"), "optional secrets are never missing");
    }

    [Test]
    public void Production_targets_need_production_secrets_and_Ci_needs_none()
    {
        var none = new Dictionary<string, string>();

        Assert.That(SecretPreflight.Missing(["DeployProduction"], DeploymentEnvironment.Staging, none.GetValueOrDefault),
            Does.Contain("ROUTE53_HOSTED_ZONE_ID").And.Contain("API_KEY_PROD").And.Not.Contain("API_KEY_STAGING"));
        Assert.That(SecretPreflight.Missing(["SmokeTests"], DeploymentEnvironment.Staging, none.GetValueOrDefault), Is.EqualTo(new[] { "API_KEY_STAGING" }));
        Assert.That(SecretPreflight.Missing(["Ci"], DeploymentEnvironment.Staging, none.GetValueOrDefault), Is.Empty);
    }

    [Test]
    public void The_Secrets_target_prints_presence_per_target_but_never_a_value()
    {
        const string canary = "canary-secret-value-8c1f3e";
        var run = BuildProgram.Run(
            BuildProgram.RepositoryRoot,
            new Dictionary<string, string?> { ["OPENAI_API_KEY"] = canary, ["COLUMNS"] = "250", ["SNYK_TOKEN"] = null },
            "--target=Secrets");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Not.Contain(canary));
        Assert.That(run.Output, Does.Contain("OPENAI_API_KEY").And.Contain("present").And.Contain("REQUIRED, MISSING"));
        Assert.That(run.Output, Does.Contain("SNYK_TOKEN").And.Contain("optional, missing"));
    }

    [Test]
    public void Secret_values_are_found_by_catalog_name_and_by_secret_looking_names()
    {
        var environment = new Dictionary<string, string?>
        {
            ["OPENAI_API_KEY"] = "sk-live-abcdef",
            ["ALEXA_SKILL_ID_PROD"] = "amzn1.ask.skill.123456",
            ["MY_SERVICE_TOKEN"] = "tok-987654",
            ["HOME"] = "/root",
        };

        var redactor = SecretEnvironment.CreateRedactor(environment);

        Assert.That(redactor.Redact("a sk-live-abcdef b amzn1.ask.skill.123456 c tok-987654 /root"), Is.EqualTo("a *** b *** c *** /root"));
    }

    [Test]
    public void A_target_run_without_its_required_secrets_exits_2_naming_all_of_them_before_any_side_effect()
    {
        var run = BuildProgram.Run(
            BuildProgram.RepositoryRoot,
            new Dictionary<string, string?> { ["API_KEY_PROD"] = null },
            "--target=SmokeTests", "--environment=production", "--base-url=http://127.0.0.1:9");

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.Contain("Missing 1 required secret(s) for SmokeTests: API_KEY_PROD."));
        Assert.That(run.Output, Does.Not.Match(@"SmokeTests\s+\d\d:\d\d"), "the smoke checks never ran");
    }

    // DeployProduction's dry run checks the release tag (exit 2) before the plan reads anything; the secret check it
    // shares with DeployStaging's dry run (DeploymentDryRun) is asserted here on staging, which needs no tag.
    [TestCase("DeployStaging", "--environment=staging")]
    public void A_deployment_dry_run_without_its_secrets_exits_2_naming_all_of_them_as_Preflight_does(string target, string argument)
    {
        var environment = SecretCatalog.All.ToDictionary(s => s.Name, _ => (string?)null);
        var run = BuildProgram.Run(BuildProgram.RepositoryRoot, environment, $"--target={target}", argument, "--dryrun");

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.Match($@"Missing \d+ required secret\(s\) for {target}: TERRAFORM_STATE_BUCKET, LAMBDA_ARTIFACTS_BUCKET, "));
        Assert.That(run.Output, Does.Not.Contain("The secret LAMBDA_ARTIFACTS_BUCKET is not set"), "not the first name only");
    }
}
