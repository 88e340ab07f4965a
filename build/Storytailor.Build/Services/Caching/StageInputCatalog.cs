using Storytailor.Build.Context;
using Storytailor.Checks.Packaging;

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
        .Files(SourceFiles(context));

    public static StageInputs UnitTests(BuildContext context)
    {
        var inputs = Sources(context, "UnitTests")
            .Value("coverage-threshold", context.CoverageThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture));
        inputs = inputs.Value("coverage-reports", string.Join(";", context.App.CoverageReports.Select(r => $"{r.Path} {r.Threshold?.ToString(System.Globalization.CultureInfo.InvariantCulture)}")));
        foreach (var report in context.App.CoverageReports)
        {
            inputs = inputs.Output(context.AppPath(report.Path));
        }

        return inputs;
    }

    /// <summary>The build's outputs: the "main" of every workspace that has one (the services' and the libraries').</summary>
    public static StageInputs Compile(BuildContext context)
    {
        var inputs = Sources(context, "Compile");
        foreach (var workspace in Workspaces(context).Where(w => w.Main is not null))
        {
            inputs = inputs.Output(Path.GetFullPath(Path.Combine(workspace.Folder, workspace.Main!)));
        }

        return inputs;
    }

    /// <summary>Advisories change every day: the key includes the date, so the audit runs at least daily.</summary>
    public static StageInputs SecurityAudit(BuildContext context) => Node(context, "SecurityAudit")
        .Files(Manifests(context))
        .Value("level", context.AuditLevel.ToString())
        .Value("registry", context.AuditRegistry)
        .Value("day", DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));

    public static StageInputs SecretScan(BuildContext context) => Base(context, "SecretScan")
        .Files(SourceFiles(context));

    /// <summary>The app's files, without what its tests write (the folders of the declared coverage reports).</summary>
    private static IEnumerable<string> SourceFiles(BuildContext context)
    {
        var generated = context.App.CoverageReports
            .Select(r => Path.GetDirectoryName(context.AppPath(r.Path))! + Path.DirectorySeparatorChar)
            .Where(folder => folder.Length > context.AppRoot.Length + 1)
            .ToList();
        return AppFiles.Under(context.AppRoot).Where(file => !generated.Any(folder => Path.GetFullPath(file).StartsWith(folder, StringComparison.Ordinal)));
    }

    /// <summary>The sources, the built files of every workspace (the folder of its "main") and which workspaces are services.</summary>
    public static StageInputs Package(BuildContext context) => Sources(context, "Package")
        .Files(Workspaces(context).Where(w => w.Main is not null)
            .SelectMany(w => AppFilesIncludingBuilt(Path.GetDirectoryName(Path.GetFullPath(Path.Combine(w.Folder, w.Main!)))!)))
        .Value("services", string.Join(",", context.App.Services.Select(s => $"{s.Package}={s.Name}")))
        .Output(context.ManifestPath);

    public static StageInputs TerraformValidate(BuildContext context) => Base(context, "TerraformValidate")
        .Files(AppFiles.Under(context.AppRoot, context.App.Paths.Terraform))
        .Value("terraform", context.ToolVersion("terraform", "version"));

    public static StageInputs Database(BuildContext context) => Base(context, "Database")
        .Files(AppFiles.Under(context.AppRoot, context.App.Paths.Supabase))
        .Files(AppFiles.Under(context.AppRoot, context.App.Paths.DataInventory))
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

    /// <summary>Every stage depends on the app's description file (it decides folders, scripts, services, checks).</summary>
    private static StageInputs Base(BuildContext context, string stage) => new StageInputs(stage)
        .Value("app-root", context.AppRoot)
        .Value("build", typeof(StageInputCatalog).Assembly.ManifestModule.ModuleVersionId.ToString())
        .File(Path.Combine(context.AppRoot, Description.AppDescriptionFile.FileName));

    private static StageInputs Node(BuildContext context, string stage) => Base(context, stage)
        .Value("node", context.ToolVersion("node"))
        .Value("npm", context.ToolVersion("npm"));

    /// <summary>The root manifest, lockfile and .npmrc, and every workspace's package.json.</summary>
    private static IEnumerable<string> Manifests(BuildContext context) =>
        new[] { "package.json", "package-lock.json", ".npmrc" }.Select(f => Path.Combine(context.AppRoot, f))
            .Concat(Workspaces(context).Select(w => Path.Combine(w.Folder, "package.json")));

    /// <summary>The app's workspaces (none when its package.json cannot be read: the stage itself reports that).</summary>
    private static IReadOnlyList<AppWorkspace> Workspaces(BuildContext context)
    {
        try
        {
            return File.Exists(Path.Combine(context.AppRoot, "package.json")) ? LambdaPackager.FindWorkspaces(context.AppRoot) : [];
        }
        catch (Exception ex) when (ex is PackagingException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return [];
        }
    }

    private static IEnumerable<string> AppFilesIncludingBuilt(string folder) =>
        Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories) : [];
}
