using Storytailor.Build.Context;

namespace Storytailor.Build.Services.Caching;

/// <summary>The inputs of each cacheable stage, in one place.</summary>
public static class StageInputCatalog
{
    /// <summary>npm ci: the manifests and lockfile, node and npm; node_modules must still be there.</summary>
    public static StageInputs Restore(BuildContext context) => Node(context, "Restore")
        .Files(Manifests(context))
        .Output(Path.Combine(context.AppRoot, "node_modules", ".package-lock.json"));

    /// <summary>Lint, type check, format check, build: every source file of the app.</summary>
    public static StageInputs Sources(BuildContext context, string stage) => Node(context, stage)
        .Files(AppFiles.Under(context.AppRoot));

    public static StageInputs UnitTests(BuildContext context) => Sources(context, "UnitTests")
        .Value("coverage-threshold", context.CoverageThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .Output(Path.Combine(context.AppRoot, "coverage", "coverage-summary.json"));

    public static StageInputs Compile(BuildContext context) => Sources(context, "Compile")
        .Output(Path.Combine(context.AppRoot, "packages"));

    /// <summary>Advisories change every day: the key includes the date, so the audit runs at least daily.</summary>
    public static StageInputs SecurityAudit(BuildContext context) => Node(context, "SecurityAudit")
        .Files(Manifests(context))
        .Value("level", context.AuditLevel.ToString())
        .Value("registry", context.AuditRegistry)
        .Value("day", DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));

    public static StageInputs SecretScan(BuildContext context) => Base(context, "SecretScan")
        .Files(AppFiles.Under(context.AppRoot));

    public static StageInputs Package(BuildContext context) => Sources(context, "Package")
        .Files(Directory.Exists(Path.Combine(context.AppRoot, "packages"))
            ? Directory.GetDirectories(Path.Combine(context.AppRoot, "packages")).SelectMany(p => AppFilesIncludingBuilt(Path.Combine(p, "dist")))
            : [])
        .Output(Path.Combine(context.ArtifactsDirectory, "manifest.json"));

    public static StageInputs TerraformValidate(BuildContext context) => Base(context, "TerraformValidate")
        .Files(AppFiles.Under(context.AppRoot, Path.Combine("infrastructure", "terraform")))
        .Value("terraform", context.ToolVersion("terraform", "version"));

    public static StageInputs Database(BuildContext context) => Base(context, "Database")
        .Files(AppFiles.Under(context.AppRoot, "supabase"))
        .Files(AppFiles.Under(context.AppRoot, "compliance"))
        .Files(Manifests(context))
        .File(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(context.SupabaseCli)!)!)!, "package-lock.json"))
        .Value("database-url", context.DatabaseUrl is null ? "throwaway" : "given")
        .Value("default-branch", context.DefaultBranch)
        .Value("default-branch-commit", context.ToolVersion("git", "-C", context.AppRoot, "rev-parse", "--verify", "--quiet", context.DefaultBranch ?? "origin/main"))
        .Output(Path.Combine(context.ArtifactsDirectory, "compliance.json"));

    /// <summary>The same code under the same load settings: a rerun would measure the same service.</summary>
    public static StageInputs PerformanceBaseline(BuildContext context)
    {
        var options = context.Load;
        var inputs = Sources(context, "PerformanceBaseline")
            .Value("rate", options.BaselineRate.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Value("duration", options.BaselineDuration.ToString())
            .Value("p95-limit", options.BaselineP95LimitMs.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Value("regression-percent", options.BaselineRegressionPercent.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Output(Path.Combine(context.ArtifactsDirectory, "performance", "baseline.json"));
        return options.PreviousBaseline is { } previous
            ? inputs.File(Path.GetFullPath(previous, context.Environment.WorkingDirectory.FullPath))
            : inputs.Value("previous-baseline", null);
    }

    private static StageInputs Base(BuildContext context, string stage) => new StageInputs(stage)
        .Value("app-root", context.AppRoot)
        .Value("build", typeof(StageInputCatalog).Assembly.ManifestModule.ModuleVersionId.ToString());

    private static StageInputs Node(BuildContext context, string stage) => Base(context, stage)
        .Value("node", context.ToolVersion("node"))
        .Value("npm", context.ToolVersion("npm"));

    private static IEnumerable<string> Manifests(BuildContext context) =>
        new[] { "package.json", "package-lock.json", ".npmrc" }.Select(f => Path.Combine(context.AppRoot, f))
            .Concat(Directory.Exists(Path.Combine(context.AppRoot, "packages"))
                ? Directory.GetDirectories(Path.Combine(context.AppRoot, "packages")).Select(p => Path.Combine(p, "package.json"))
                : []);

    private static IEnumerable<string> AppFilesIncludingBuilt(string folder) =>
        Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories) : [];
}
