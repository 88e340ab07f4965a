using Storytailor.Load;

namespace Storytailor.Build.Description;

/// <summary>A Lambda service of the app: its workspace, its name in the Terraform contract, how to start it locally.</summary>
/// <param name="Package">The workspace's package name, e.g. "@acme/catalog".</param>
/// <param name="Folder">The workspace's folder, relative to the app root ('/'-separated).</param>
/// <param name="Name">The name Terraform's artifacts map and the functions use, e.g. "catalog".</param>
/// <param name="Local">How the performance baseline starts it (null: it does not).</param>
public sealed record AppService(string Package, string Folder, string Name, LocalServiceStart? Local);

/// <summary>The folders and files of the app the stages read, relative to its root.</summary>
public sealed record AppPaths(string Terraform, string Supabase, string DataInventory, string LoadScenarios)
{
    public static readonly AppPaths Default = new("infrastructure/terraform", "supabase", "compliance/data-inventory.yml", "testing/load/scenarios.yml");

    /// <summary>The migrations folder (relative to the app root), as messages name it.</summary>
    public string Migrations => Supabase.TrimEnd('/') + "/migrations";

    /// <summary>The folder the Supabase CLI runs in (the one holding the supabase folder).</summary>
    public string SupabaseWorkdir => Path.GetDirectoryName(Supabase.TrimEnd('/')) is { Length: > 0 } parent ? parent : ".";
}

/// <summary>The npm script each stage runs.</summary>
public sealed record NpmScriptNames(string Lint, string Typecheck, string FormatCheck, string Test, string Build, string IntegrationTest)
{
    public static readonly NpmScriptNames Default = new("lint", "typecheck", "format:check", "test", "build", "test:integration");
}

/// <summary>A json-summary coverage report the tests write, with its own minimum when it has one.</summary>
public sealed record CoverageReport(string Path, double? Threshold);

/// <summary>The Terraform contract: the variables the build sets and the outputs it reads.</summary>
public sealed record TerraformContract(string VersionVariable, string ArtifactsVariable, string EndpointOutput, string FunctionsOutput)
{
    public static readonly TerraformContract Default = new("app_version", "artifacts", "api_endpoint", "function_names");

    /// <summary>Output holding the HTTP API's id (the ApiId dimension of its CloudWatch metrics).</summary>
    public string ApiIdOutput { get; init; } = "api_id";

    /// <summary>Output holding the REST API's name (the ApiName dimension).</summary>
    public string ApiNameOutput { get; init; } = "api_name";

    /// <summary>Output holding the API's stage (the Stage dimension).</summary>
    public string ApiStageOutput { get; init; } = "api_stage";
}

/// <summary>The public URL of each environment the app declares (null: not declared).</summary>
public sealed record EnvironmentUrls(Uri? Staging, Uri? Production)
{
    public static readonly EnvironmentUrls None = new(null, null);
}

/// <summary>
/// The application as its description file (<see cref="AppDescriptionFile.FileName"/> at its root) declares it,
/// with every key the file leaves out at its default.
/// </summary>
public sealed record AppDescription
{
    /// <summary>The description file, or null when the app has none (every default).</summary>
    public string? SourceFile { get; init; }

    /// <summary>The Lambda services, in declaration order (default: workspaces with "main" that no other workspace imports).</summary>
    public IReadOnlyList<AppService> Services { get; init; } = [];

    public AppPaths Paths { get; init; } = AppPaths.Default;

    public NpmScriptNames Scripts { get; init; } = NpmScriptNames.Default;

    public IReadOnlyList<CoverageReport> CoverageReports { get; init; } = [new("coverage/coverage-summary.json", null)];

    public TerraformContract Terraform { get; init; } = TerraformContract.Default;

    public ServiceChecks Checks { get; init; } = ServiceChecks.Default;

    /// <summary>The environments' public URLs (deploy.urls).</summary>
    public EnvironmentUrls Urls { get; init; } = EnvironmentUrls.None;

    /// <summary>Declared column values of the erasure proof's test rows: "schema.table" → column → value.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> ErasureRows { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>The services' local starts, for the performance baseline.</summary>
    public IReadOnlyList<LocalServiceStart> LocalServices => [.. Services.Where(s => s.Local is not null).Select(s => s.Local!)];

    /// <summary>An absolute path of a declared app path.</summary>
    public static string Under(string appRoot, string relative) => Path.GetFullPath(Path.Combine(appRoot, relative));
}
