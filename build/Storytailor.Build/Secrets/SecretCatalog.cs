using Storytailor.Build.Context;

namespace Storytailor.Build.Secrets;

/// <summary>Whether a target cannot run without a secret or merely uses it when present.</summary>
public enum SecretNeed
{
    Optional,
    Required,
}

/// <summary>
/// One secret of the pipeline: its name (the environment variable), what it is for, which
/// targets use it, in which environments (none: all), and whether those targets need it.
/// </summary>
public sealed record SecretDefinition(
    string Name,
    string Purpose,
    IReadOnlyList<string> Targets,
    IReadOnlyList<DeploymentEnvironment> Environments,
    SecretNeed Need)
{
    public bool AppliesTo(string target, DeploymentEnvironment environment) =>
        Targets.Contains(target, StringComparer.OrdinalIgnoreCase)
        && (Environments.Count == 0 || Environments.Contains(environment));
}

/// <summary>Every secret the pipeline specification lists, in one place.</summary>
public static class SecretCatalog
{
    public const string Ci = "Ci";
    public const string DeployStaging = "DeployStaging";
    public const string DeployProduction = "DeployProduction";
    public const string Rollback = "Rollback";
    public const string SmokeTests = "SmokeTests";

    private static readonly DeploymentEnvironment[] StagingOnly = [DeploymentEnvironment.Staging];
    private static readonly DeploymentEnvironment[] ProductionOnly = [DeploymentEnvironment.Production];
    private static readonly DeploymentEnvironment[] Any = [];
    private static readonly string[] Deployments = [DeployStaging, DeployProduction, Rollback];

    public static IReadOnlyList<SecretDefinition> All { get; } =
    [
        // AWS: the workflows assume a role through GitHub OIDC; static keys are the fallback.
        new("AWS_ACCESS_KEY_ID", "AWS access key for deployments (not needed with OIDC role assumption)", Deployments, Any, SecretNeed.Optional),
        new("AWS_SECRET_ACCESS_KEY", "AWS secret key for deployments (not needed with OIDC role assumption)", Deployments, Any, SecretNeed.Optional),
        new("TERRAFORM_STATE_BUCKET", "S3 bucket for Terraform state", Deployments, Any, SecretNeed.Required),
        new("LAMBDA_ARTIFACTS_BUCKET", "S3 bucket for Lambda packages, the deployment lock and ledger", Deployments, Any, SecretNeed.Required),

        new("SUPABASE_URL_STAGING", "Staging Supabase project URL", [DeployStaging, Rollback], StagingOnly, SecretNeed.Required),
        new("SUPABASE_ANON_KEY_STAGING", "Staging anonymous key", [DeployStaging, Rollback], StagingOnly, SecretNeed.Required),
        new("SUPABASE_SERVICE_KEY_STAGING", "Staging service role key", [DeployStaging, Rollback], StagingOnly, SecretNeed.Required),
        new("SUPABASE_PROJECT_REF_STAGING", "Staging project reference", [DeployStaging, Rollback], StagingOnly, SecretNeed.Required),
        new("SUPABASE_URL_PROD", "Production Supabase project URL", [DeployProduction, Rollback], ProductionOnly, SecretNeed.Required),
        new("SUPABASE_ANON_KEY_PROD", "Production anonymous key", [DeployProduction, Rollback], ProductionOnly, SecretNeed.Required),
        new("SUPABASE_SERVICE_KEY_PROD", "Production service role key", [DeployProduction, Rollback], ProductionOnly, SecretNeed.Required),
        new("SUPABASE_PROJECT_REF_PROD", "Production project reference", [DeployProduction, Rollback], ProductionOnly, SecretNeed.Required),
        new("SUPABASE_DB_URL_STAGING", "Staging database URL (postgresql://...) for migrations with supabase db push", [DeployStaging], StagingOnly, SecretNeed.Required),
        new("SUPABASE_DB_URL_PRODUCTION", "Production database URL (postgresql://...) for migrations with supabase db push", [DeployProduction], ProductionOnly, SecretNeed.Required),
        new("SUPABASE_ACCESS_TOKEN", "Supabase CLI access token (migrations)", [DeployStaging, DeployProduction], Any, SecretNeed.Required),

        new("OPENAI_API_KEY", "OpenAI API key", Deployments, Any, SecretNeed.Required),
        new("ELEVENLABS_API_KEY", "ElevenLabs API key", Deployments, Any, SecretNeed.Required),
        new("STABILITY_API_KEY", "Stability AI API key", Deployments, Any, SecretNeed.Required),
        new("AMAZON_API_KEY", "Amazon Product API key", Deployments, Any, SecretNeed.Required),
        new("STRIPE_SECRET_KEY_TEST", "Stripe test key for staging", [DeployStaging, Rollback], StagingOnly, SecretNeed.Required),
        new("STRIPE_SECRET_KEY_PROD", "Stripe production key", [DeployProduction, Rollback], ProductionOnly, SecretNeed.Required),
        new("JWT_SECRET_STAGING", "JWT secret for staging", [DeployStaging, Rollback], StagingOnly, SecretNeed.Required),
        new("JWT_SECRET_PROD", "JWT secret for production", [DeployProduction, Rollback], ProductionOnly, SecretNeed.Required),
        new("ALEXA_SKILL_ID_STAGING", "Alexa skill ID for staging", [DeployStaging, Rollback], StagingOnly, SecretNeed.Required),
        new("ALEXA_SKILL_ID_PROD", "Alexa skill ID for production", [DeployProduction, Rollback], ProductionOnly, SecretNeed.Required),

        new("API_KEY_STAGING", "API key for staging tests", [DeployStaging, SmokeTests, Rollback], StagingOnly, SecretNeed.Required),
        new("API_KEY_PROD", "API key for production tests", [DeployProduction, SmokeTests, Rollback], ProductionOnly, SecretNeed.Required),
        new("CODECOV_TOKEN", "Codecov upload token (coverage upload is skipped without it)", [Ci], Any, SecretNeed.Optional),
        new("SNYK_TOKEN", "Snyk token (the Snyk scan is skipped without it)", [Ci, DeployStaging, DeployProduction], Any, SecretNeed.Optional),

        new("ROUTE53_HOSTED_ZONE_ID", "Route 53 hosted zone of the public records", [DeployProduction, Rollback], ProductionOnly, SecretNeed.Required),
        new("ACM_CERTIFICATE_ARN", "TLS certificate ARN for the API domains", [DeployStaging, DeployProduction, Rollback], Any, SecretNeed.Required),
        new("SLACK_WEBHOOK_URL", "Slack incoming webhook for notifications", [DeployStaging, DeployProduction, Rollback, SmokeTests], Any, SecretNeed.Optional),
        new("TURBO_TOKEN", "Turbo remote cache token", [Ci], Any, SecretNeed.Optional),
        new("TURBO_TEAM", "Turbo team identifier", [Ci], Any, SecretNeed.Optional),
    ];

    /// <summary>The environment a target runs in: fixed for the deploy targets, else the --environment parameter.</summary>
    public static DeploymentEnvironment EnvironmentOf(string target, DeploymentEnvironment parameter) => target switch
    {
        _ when string.Equals(target, DeployStaging, StringComparison.OrdinalIgnoreCase) => DeploymentEnvironment.Staging,
        _ when string.Equals(target, DeployProduction, StringComparison.OrdinalIgnoreCase) => DeploymentEnvironment.Production,
        _ => parameter,
    };

    public static IEnumerable<SecretDefinition> RequiredFor(string target, DeploymentEnvironment environment) =>
        All.Where(s => s.Need == SecretNeed.Required && s.AppliesTo(target, EnvironmentOf(target, environment)));
}
