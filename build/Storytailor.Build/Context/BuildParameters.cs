using System.Reflection;
using Cake.Frosting;
using static Storytailor.Build.Context.ParameterParsers;

namespace Storytailor.Build.Context;

/// <summary>The environment a target deploys to or checks.</summary>
public enum DeploymentEnvironment
{
    Staging,
    Production,
}

/// <summary>Every parameter of the build, declared once. --help lists them from here.</summary>
public static partial class BuildParameters
{
    public static readonly Parameter<string> AppRoot = new(
        "app-root", "Folder of the application the build runs against", "example", Text, "path");

    public static readonly Parameter<DeploymentEnvironment> Environment = new(
        "environment", "Environment to deploy to or check: staging or production", DeploymentEnvironment.Staging,
        Choice<DeploymentEnvironment>(), "staging|production", "staging");

    public static readonly Parameter<string> Tag = new(
        "tag", "Release version vMAJOR.MINOR.PATCH (default: the tag in GITHUB_REF)", string.Empty, Text, "vX.Y.Z", "(from GITHUB_REF)");

    public static readonly Parameter<double> CoverageThreshold = new(
        "coverage-threshold", "Minimum test coverage in percent (lines, statements, functions, branches)", 90, Number(0, 100), "percent");

    public static readonly Parameter<bool> SkipTests = new(
        "skip-tests", "Emergency only: skip the test stages; needs --reason", false, Flag, "bool");

    public static readonly Parameter<string> Reason = new(
        "reason", "Why the tests are skipped (required with --skip-tests)", string.Empty, Text, "text", "(none)");

    public static readonly Parameter<string> Artifacts = new(
        "artifacts", "Folder for build outputs and reports", "artifacts", Text, "path");

    public static readonly Parameter<string> AuditLevel = new(
        "audit-level", "npm audit and Snyk fail on vulnerabilities at or above: info, low, moderate, high, critical", "high",
        raw => Storytailor.Checks.SeverityNames.TryParse(raw, out _) ? raw.ToLowerInvariant() : throw new FormatException($"'{raw}' is not a severity. Valid values: info, low, moderate, high, critical."),
        "severity");

    public static readonly Parameter<string> AuditRegistry = new(
        "audit-registry", "Registry whose advisory endpoint npm audit asks (default: npm's configured registry)", string.Empty, Text, "url", "(npm's)");

    public static readonly Parameter<string> SnykCli = new(
        "snyk-cli", "Path of the Snyk CLI, used when SNYK_TOKEN is set", "snyk", Text, "path");

    public static readonly Parameter<string> DatabaseUrl = new(
        "database-url", "A disposable PostgreSQL to validate migrations on (default: the build starts a throwaway one)", string.Empty, Text, "url", "(throwaway)");

    public static readonly Parameter<string> DefaultBranch = new(
        "default-branch", "Branch whose published migrations must not be edited", string.Empty, Text, "ref", "origin/main, else main");

    public static readonly Parameter<string> SupabaseCli = new(
        "supabase-cli", "Path of the Supabase CLI (default: the pinned one, which the build installs into tools/supabase)", "tools/supabase/node_modules/.bin/supabase", Text, "path");

    public static readonly Parameter<bool> PublishArtifacts = new(
        "publish-artifacts", "Ci: upload the packaged artifacts and manifest.json to LAMBDA_ARTIFACTS_BUCKET under the commit, for DeployStaging and DeployProduction to promote (ci.yml sets it on the default branch and tags)", false, Flag, "bool");

    public static readonly Parameter<bool> NoCache = new(
        "no-cache", "Run every stage even when its inputs are unchanged since it last passed", false, Flag, "bool");

    public static readonly Parameter<string> CacheDir = new(
        "cache-dir", "Folder where stage results are remembered (persist it in CI)", ".cache/build", Text, "path");

    /// <summary>
    /// All declared parameters (public static fields of this class, in every part of it). Computed on
    /// access: the order in which the parts' field initializers run is not defined.
    /// </summary>
    public static IReadOnlyList<Parameter> All => typeof(BuildParameters)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => f.GetValue(null))
        .OfType<Parameter>()
        .ToList();
}

/// <summary>Tells the host which arguments exist, for --help and for rejecting unknown ones.</summary>
public sealed class BuildArgumentCatalog : IArgumentCatalog
{
    public IReadOnlyList<ArgumentDescription> Arguments { get; } = BuildParameters.All
        .Select(p => new ArgumentDescription(p.Name, p.TypeName, p.DefaultText, p.Description, $"{p.EnvironmentVariable}, cake.config {p.ConfigKey.Replace('_', '.')}"))
        .ToList();

    public IReadOnlyList<string> HelpNotes { get; } =
    [
        string.Empty,
        $"The app describes itself in {Description.AppDescriptionFile.FileName} at its root (--app-root); every key is optional:",
        "  services          the workspaces that are Lambda services (workspace, name, start or entry, port, health, routes);",
        "                    default: every workspace with a \"main\" that no other workspace imports; the others are libraries",
        "  paths             terraform, supabase, data_inventory, load_scenarios (defaults: infrastructure/terraform, supabase,",
        "                    compliance/data-inventory.yml, testing/load/scenarios.yml)",
        "  scripts           npm scripts: lint, typecheck, format_check, test, build, integration_test",
        "  coverage.reports  json-summary reports, merged; each may have its own threshold (default: coverage/coverage-summary.json)",
        "  terraform         variables.version, variables.artifacts, outputs.endpoint, outputs.functions, outputs.api_id,",
        "                    outputs.api_name, outputs.api_stage (defaults: app_version, artifacts, api_endpoint, function_names,",
        "                    api_id, api_name, api_stage)",
        "  checks            health, auth_header, protected_routes, cors (or false), rate_limit (burst, expect_status, retry_after;",
        "                    or false), read_route (the monitoring window's read route; default none)",
        "  deploy.urls       staging, production: the public URLs (default: https://<Domain> of cake.config [Deploy.*])",
        "  erasure.rows      column values for the erasure proof's test rows, by table",
        "A mistake in it (unknown key, wrong type, missing workspace or path) stops the build before the first task: every problem",
        "with file and line, exit code 2. Schema: build/Storytailor.Build/Description/storytailor.schema.json; README: \"The app's description\".",
    ];
}
