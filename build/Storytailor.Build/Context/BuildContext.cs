using System.Text.RegularExpressions;
using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using Storytailor.Build.Description;
using Storytailor.Build.Reporting;
using Storytailor.Build.Services.Caching;
using Storytailor.Build.Services.Tools;
using Storytailor.Core;

namespace Storytailor.Build.Context;

/// <summary>
/// The typed, validated state of one build: parameters, paths and the shared services tasks use.
/// Every parameter is read and validated here, before the first task runs; problems are
/// reported together as a configuration error (exit code 2).
/// </summary>
public sealed partial class BuildContext : FrostingContext
{
    public BuildContext(ICakeContext context, SecretRedactor redactor, SkipReasons skipReasons)
        : base(context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Redactor = redactor;
        SkipReasons = skipReasons;
        Variables = new EnvironmentVariables(context.Environment.GetEnvironmentVariables().Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
        var reader = new ParameterReader(context.Arguments, Variables.Value, context.Configuration);

        var working = context.Environment.WorkingDirectory.FullPath;
        AppRoot = Path.GetFullPath(reader.Read(BuildParameters.AppRoot), working);
        App = ReadApp(reader, AppRoot);
        ArtifactsDirectory = Path.GetFullPath(reader.Read(BuildParameters.Artifacts), working);
        DeploymentEnvironment = reader.Read(BuildParameters.Environment);
        CoverageThreshold = reader.Read(BuildParameters.CoverageThreshold);
        SkipTests = reader.Read(BuildParameters.SkipTests);
        SkipTestsReason = reader.Read(BuildParameters.Reason).Trim();
        if (SkipTests && SkipTestsReason.Length == 0)
        {
            reader.Fail("--skip-tests needs a reason: add --reason=\"why the tests are skipped\".");
        }

        ReleaseVersion = ReadReleaseVersion(reader, Variables.GitHubRef);
        Targets = context.Arguments.GetArguments("target").ToList();
        AuditLevel = Storytailor.Checks.SeverityNames.Parse(reader.Read(BuildParameters.AuditLevel));
        AuditRegistry = NullIfEmpty(reader.Read(BuildParameters.AuditRegistry));
        SnykCli = reader.Read(BuildParameters.SnykCli);
        DatabaseUrl = NullIfEmpty(reader.Read(BuildParameters.DatabaseUrl));
        DefaultBranch = NullIfEmpty(reader.Read(BuildParameters.DefaultBranch));
        SupabaseCli = Path.GetFullPath(reader.Read(BuildParameters.SupabaseCli), working);
        ToolSetup = new ToolSettings(
            PinnedFile(working, ".terraform-version"),
            SupabaseCli,
            new PinnedNpmTool("Supabase CLI", Path.Combine(working, "tools", "supabase"), "supabase", Path.Combine("node_modules", ".bin", "supabase")));
        PublishArtifacts = reader.Read(BuildParameters.PublishArtifacts);
        Cache = new StageCache(Path.GetFullPath(reader.Read(BuildParameters.CacheDir), working), !reader.Read(BuildParameters.NoCache));
        Load = LoadOptions.Read(reader);
        Deploy = DeployOptions.Read(reader, context, Targets, DeploymentEnvironment, Variables.GitHubRef);

        if (reader.Errors.Count > 0)
        {
            throw new CakeException(ExitCodes.Usage, string.Join(System.Environment.NewLine, reader.Errors));
        }

        BuildLog = new CakeBuildLogAdapter(context.Log);
        Artifacts = new ArtifactWriter(ArtifactsDirectory, redactor);
        Commands = new CommandRunner(BuildLog, redactor);
    }

    /// <summary>The process environment, read once; every variable the build reads by name is read through it.</summary>
    public EnvironmentVariables Variables { get; }

    public string AppRoot { get; }

    /// <summary>The app as its description file declares it (defaults for what it leaves out).</summary>
    public AppDescription App { get; }

    /// <summary>A path the description declares, relative to the app root, made absolute.</summary>
    public string AppPath(string relative) => AppDescription.Under(AppRoot, relative);

    public string ArtifactsDirectory { get; }

    /// <summary>artifacts/manifest.json: what Package built (names, versions, commit, hashes), what deployments upload.</summary>
    public string ManifestPath => ArtifactPaths.ManifestIn(ArtifactsDirectory);

    public DeploymentEnvironment DeploymentEnvironment { get; }

    public double CoverageThreshold { get; }

    public bool SkipTests { get; }

    public string SkipTestsReason { get; }

    /// <summary>"--skip-tests: &lt;reason&gt;" when --skip-tests is given (the skip reason of every stage it skips), else null.</summary>
    public string? SkipTestsNote => SkipTests ? $"--skip-tests: {SkipTestsReason}" : null;

    /// <summary>
    /// Why the Ci gates of DeployProduction's graph (Lint, Typecheck, SecretScan, SecurityAudit, Database; UnitTests
    /// always goes with --skip-tests) do not run: --skip-tests, the emergency exit of a production deployment, else null.
    /// Outside a production deployment they run as in Ci.
    /// </summary>
    public string? ReleaseGateSkip => Targets.Contains("DeployProduction", StringComparer.OrdinalIgnoreCase) ? SkipTestsNote : null;

    /// <summary>The release version vMAJOR.MINOR.PATCH, or null when neither --tag nor a tag ref gives one.</summary>
    public string? ReleaseVersion { get; }

    public IReadOnlyList<string> Targets { get; }

    public SecretRedactor Redactor { get; }

    public SkipReasons SkipReasons { get; }

    public IBuildLog BuildLog { get; }

    public ArtifactWriter Artifacts { get; }

    public CommandRunner Commands { get; }

    /// <summary>Records why a task does not run and returns false, for use in ShouldRun.</summary>
    public bool Skip(object task, string reason)
    {
        ArgumentNullException.ThrowIfNull(task);
        SkipReasons.Record(TaskCatalogName(task.GetType()), reason);
        return false;
    }

    internal static string TaskCatalogName(Type type) =>
        type.GetCustomAttributes(typeof(TaskNameAttribute), false).OfType<TaskNameAttribute>().FirstOrDefault()?.Name ?? type.Name;

    public Storytailor.Checks.Severity AuditLevel { get; }

    public string? AuditRegistry { get; }

    public string SnykCli { get; }

    public string? DatabaseUrl { get; }

    public string? DefaultBranch { get; }

    public string SupabaseCli { get; }

    /// <summary>The pinned Terraform version file and the build's own tools (see Services/Tools).</summary>
    public ToolSettings ToolSetup { get; }

    /// <summary>The tools checked or installed before the first task (empty when no stage needs one).</summary>
    public IReadOnlyList<ReadyTool> ReadyTools { get; internal set; } = [];

    public LoadOptions Load { get; }

    /// <summary>--publish-artifacts: the PublishArtifacts stage of Ci uploads the artifact set under the commit.</summary>
    public bool PublishArtifacts { get; }

    /// <summary>Where a deployment target's artifacts come from, resolved before the first task (null: no deployment target, or not resolved).</summary>
    public Services.Deployment.ArtifactSource? ArtifactSource { get; internal set; }

    /// <summary>Stages a promoted artifact set makes unnecessary (Compile, Package), each with the reason it does not run.</summary>
    internal Dictionary<string, string> NotRebuilt { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The public URL of an environment: --staging-url / --production-url (or their environment variable or cake.config
    /// key), else the app's description (deploy.urls), else https://&lt;Domain&gt; of the environment's [Deploy.*]
    /// settings; null when none of them says.
    /// </summary>
    public Uri? PublicUrl(DeploymentEnvironment environment)
    {
        var declared = environment == DeploymentEnvironment.Production ? App.Urls.Production : App.Urls.Staging;
        var settings = environment == DeploymentEnvironment.Production ? Deploy.Production : Deploy.Staging;
        return Load.UrlFor(environment) ?? declared ?? (settings is { Domain.Length: > 0 } ? new Uri($"https://{settings.Domain}") : null);
    }

    /// <summary>What SmokeTests, SecurityTests and LoadTest probe: --base-url, else the environment's public URL; neither is a usage error (exit 2).</summary>
    public Uri TargetUrl(DeploymentEnvironment environment)
    {
        var name = environment == DeploymentEnvironment.Production ? "production" : "staging";
        return Load.BaseUrl ?? PublicUrl(environment)
            ?? throw new CakeException(ExitCodes.Usage, $"No URL to test for {name}: pass --base-url or --{name}-url, or declare deploy.urls.{name} in {AppDescriptionFile.FileName}.");
    }

    public DeployOptions Deploy { get; }

    public StageCache Cache { get; }

    /// <summary>The run state of the DeployProduction in progress, shared by its stages (null before AcquireDeploymentLock and in dry runs).</summary>
    public Services.Deployment.ProductionRun? ProductionRun { get; set; }

    /// <summary>The run state of the DeployStaging in progress, shared by its stages (null before AcquireStagingLock and in dry runs).</summary>
    public Services.Deployment.StagingRun? StagingRun { get; set; }

    /// <summary>The run state of the Rollback in progress, shared by its stages (null before AcquireRollbackLock and in dry runs).</summary>
    public Services.Deployment.RollbackRun? RollbackRun { get; set; }

    /// <summary>Keys of stages that run now, recorded as passed when they succeed (see TaskLifetime).</summary>
    internal Dictionary<string, string> PendingCacheKeys { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// For ShouldRun: false (with "cached" and the key in the report) when the stage already passed
    /// with exactly these inputs; otherwise true, and the key is recorded if the stage passes.
    /// </summary>
    public bool RunUnlessCached(object task, StageInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(inputs);
        var lookup = Cache.Lookup(inputs);
        if (lookup.Hit)
        {
            var name = TaskCatalogName(task.GetType());
            var reason = $"cached (key {lookup.Key[..12]})";
            if (!Targets.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                return Skip(task, reason);
            }

            // Cake fails a target whose criteria are false; a requested stage that already passed with these
            // inputs is a success: it "runs" and does nothing (IsCachedTarget), and the report says cached.
            SkipReasons.Record(name, reason);
            _cachedTargets.Add(name);
            return true;
        }

        PendingCacheKeys[TaskCatalogName(task.GetType())] = lookup.Key;
        return true;
    }

    /// <summary>For the first line of a cached stage's Run: true when it is a requested target that already passed with these inputs (see RunUnlessCached).</summary>
    public bool IsCachedTarget(object task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var name = TaskCatalogName(task.GetType());
        if (!_cachedTargets.Contains(name))
        {
            return false;
        }

        BuildLog.Information($"{name}: {SkipReasons.For(name)}; nothing to do (--no-cache runs it again).");
        return true;
    }

    private readonly HashSet<string> _cachedTargets = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The version a tool prints (node, npm, terraform ...), asked once per build.</summary>
    public string ToolVersion(string tool, params string[] arguments)
    {
        var key = tool + " " + string.Join(' ', arguments);
        if (!_toolVersions.TryGetValue(key, out var version))
        {
            try
            {
                var result = Commands.RunAsync(new CommandSpec(tool, arguments.Length == 0 ? ["--version"] : arguments, AppRoot) { StreamOutput = false, Timeout = TimeSpan.FromMinutes(1) })
                    .GetAwaiter().GetResult();
                version = result.Succeeded ? result.StandardOutput.Trim() : $"(exit {result.ExitCode})";
            }
            catch (CommandException ex)
            {
                // A missing tool is a different input from a present one; the stage itself reports it.
                version = $"(unavailable: {ex.Message})";
            }

            _toolVersions[key] = version;
        }

        return version;
    }

    private readonly Dictionary<string, string> _toolVersions = new(StringComparer.Ordinal);

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    /// <summary>The app's description file, or the defaults with each of its problems recorded.</summary>
    private static AppDescription ReadApp(ParameterReader reader, string appRoot)
    {
        if (!Directory.Exists(appRoot))
        {
            reader.Fail($"App root '{appRoot}' does not exist (--{BuildParameters.AppRoot.Name}).");
            return new AppDescription();
        }

        try
        {
            return AppDescriptionFile.Load(appRoot);
        }
        catch (AppDescriptionException ex)
        {
            foreach (var problem in ex.Problems)
            {
                reader.Fail(problem.ToString());
            }

            return new AppDescription();
        }
    }

    /// <summary>A repository file such as .terraform-version: in the working directory, else in the repository the build program was compiled from.</summary>
    private static string PinnedFile(string working, string name)
    {
        var local = Path.Combine(working, name);
        if (File.Exists(local))
        {
            return local;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, name);
            if (File.Exists(candidate) && File.Exists(Path.Combine(directory.FullName, "build.sh")))
            {
                return candidate;
            }
        }

        return local;
    }

    private static string? ReadReleaseVersion(ParameterReader reader, string? githubRef)
    {
        var tag = reader.Read(BuildParameters.Tag);
        if (tag.Length > 0)
        {
            if (!ReleaseTag().IsMatch(tag))
            {
                reader.Fail($"--tag '{tag}' is not a release version. Expected vMAJOR.MINOR.PATCH, e.g. v1.2.3.");
                return null;
            }

            return tag;
        }

        const string prefix = "refs/tags/";
        if (githubRef is not null && githubRef.StartsWith(prefix, StringComparison.Ordinal))
        {
            var fromRef = githubRef[prefix.Length..];
            if (ReleaseTag().IsMatch(fromRef))
            {
                return fromRef;
            }

            reader.Fail($"GITHUB_REF tag '{fromRef}' is not a release version. Expected vMAJOR.MINOR.PATCH, e.g. v1.2.3.");
        }

        return null;
    }

    [GeneratedRegex(@"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")]
    private static partial Regex ReleaseTag();
}

/// <summary>Cake's log seen through the services' logging port.</summary>
public sealed class CakeBuildLogAdapter(ICakeLog log) : IBuildLog
{
    public void Information(string message) => log.Write(Verbosity.Normal, LogLevel.Information, "{0}", message);

    public void Warning(string message) => log.Write(Verbosity.Minimal, LogLevel.Warning, "{0}", message);

    public void Error(string message) => log.Write(Verbosity.Quiet, LogLevel.Error, "{0}", message);

    public void Verbose(string message) => log.Write(Verbosity.Verbose, LogLevel.Verbose, "{0}", message);
}
