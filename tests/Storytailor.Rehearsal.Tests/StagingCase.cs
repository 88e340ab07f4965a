using System.Security.Cryptography;
using System.Text.Json;
using Storytailor.Build.Tests;
using Storytailor.Core;
using Storytailor.Database;
using Storytailor.FakeAws;

namespace Storytailor.Rehearsal.Tests;

/// <summary>
/// One staging rehearsal of a prepared app: a fresh fake AWS (its staging functions running the packaged code), its own
/// Terraform state, a stand-in of the staging endpoint in front of the app's blue colour that serves whatever version
/// Terraform last applied (one version can be broken), and a database the Supabase CLI migrates.
/// </summary>
public sealed class StagingCase(DeployRehearsal rehearsal, FakeAwsServer fake, string folder, PostgresUrl database) : IAsyncDisposable
{
    private PublicFrontDoor _endpoint = null!;

    /// <summary>The pinned Supabase CLI the rehearsals pass with --supabase-cli.</summary>
    public static string SupabaseCli => Path.Combine(BuildProgram.RepositoryRoot, "tools", "supabase", "node_modules", ".bin", "supabase");

    /// <summary>Installs the pinned CLI as ./build.sh installs it (atomically, once for concurrent runs).</summary>
    public static Task EnsureSupabaseCliAsync(CommandRunner runner) =>
        new PinnedNpmTool("Supabase CLI", Path.Combine(BuildProgram.RepositoryRoot, "tools", "supabase"), "supabase", Path.Combine("node_modules", ".bin", "supabase"))
            .EnsureAsync(runner, new RecordingLog(), TimeSpan.FromMinutes(10));

    public FakeAwsServer Fake { get; } = fake;

    /// <summary>The version whose deployment answers 503 to everything (null: every version is healthy).</summary>
    public string? BrokenVersion { get; set; }

    /// <summary>The staging workspace's Terraform state (local backend).</summary>
    public string StateFile => Path.Combine(folder, "state", "staging", "terraform.tfstate");

    public static async Task<StagingCase> StartAsync(DeployRehearsal rehearsal, string name, PostgresUrl database)
    {
        var fake = await FakeAwsServer.StartAsync();
        fake.S3.CreateBucket(DeployRehearsal.Bucket);
        foreach (var (package, sha) in rehearsal.CodeSha256)
        {
            fake.Lambda.PutFunction(new FakeFunction(rehearsal.Definition.FunctionName("staging", rehearsal.ServiceOf(package))) { CodeSha256 = sha });
        }

        var folder = Directory.CreateDirectory(Path.Combine(rehearsal.Workspace.Path, "cases", name)).FullName;
        var staging = new StagingCase(rehearsal, fake, folder, database);
        staging._endpoint = await PublicFrontDoor.StartAsync(() => staging.BrokenVersion is { } broken && staging.DeployedVersion() == broken ? null : rehearsal.Blue.BaseUrl);
        File.WriteAllText(Path.Combine(folder, "staging.tfvars"), $"{rehearsal.Definition.EndpointVariable} = \"{staging._endpoint.Url.AbsoluteUri.TrimEnd('/')}\"\n");
        rehearsal.UseState(Path.Combine(folder, "state"));
        return staging;
    }

    public BuildRun Build(params string[] arguments) => BuildProgram.Run(rehearsal.Workspace.Path, Environment(), [.. Common(), .. arguments]);

    /// <summary>Runs the build and kills it (SIGKILL) at the boundary after <paramref name="step"/>.</summary>
    public BuildRun BuildKilledAfter(string step, params string[] arguments) =>
        StepBoundary.KillAfter(Fake, "staging", step, kill => BuildProgram.RunUntilKilled(rehearsal.Workspace.Path, Environment(), kill, [.. Common(), .. arguments]));

    private Dictionary<string, string?> Environment()
    {
        var environment = rehearsal.ChildEnvironment(Fake);
        environment["SUPABASE_DB_URL_STAGING"] = database.ToString();
        return environment;
    }

    private string[] Common() =>
    [
        $"--app-root={rehearsal.App}", $"--artifacts={rehearsal.Artifacts}", $"--cache-dir={rehearsal.Cache}",
        "--terraform-backend=local", $"--terraform-var-file={Path.Combine(folder, "{workspace}.tfvars")}",
        $"--supabase-cli={SupabaseCli}", $"--staging-url={_endpoint.Url}",
        "--load-duration=2", "--load-vus=2", "--deploy-load-warm-up=0",
        DeployRehearsal.RelaxedSmokeLimit,
    ];

    /// <summary>The version Terraform last applied to the staging workspace (the app's version output; null: never applied).</summary>
    public string? DeployedVersion()
    {
        if (!File.Exists(StateFile))
        {
            return null;
        }

        using var state = JsonDocument.Parse(File.ReadAllText(StateFile));
        return state.RootElement.TryGetProperty("outputs", out var outputs) && outputs.TryGetProperty(rehearsal.Definition.VersionOutput, out var version)
            ? version.GetProperty("value").GetString()
            : null;
    }

    /// <summary>Migrations the Supabase CLI recorded as applied in the staging database (0 when it has no history table).</summary>
    public async Task<int> AppliedMigrationsAsync() => (await MigrationValidator.ReadHistoryAsync(database)).Count;

    /// <summary>Every file of the case's Terraform state backend with its SHA-256 (path → hash).</summary>
    public IReadOnlyDictionary<string, string> StateFiles()
    {
        var root = Path.Combine(folder, "state");
        return Directory.Exists(root)
            ? Directory.GetFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                .ToDictionary(f => Path.GetRelativePath(root, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))), StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>The ledger records of staging in the fake S3 (the store of record).</summary>
    public IReadOnlyList<JsonDocument> Ledger() =>
        [.. Fake.S3.Keys(DeployRehearsal.Bucket).Where(k => k.StartsWith("ledger/staging/", StringComparison.Ordinal))
            .Select(k => JsonDocument.Parse(Fake.S3.Object(DeployRehearsal.Bucket, k)!.Content))];

    public async ValueTask DisposeAsync()
    {
        if (_endpoint is not null)
        {
            await _endpoint.DisposeAsync();
        }

        await Fake.DisposeAsync();
    }
}
