using System.Text.Json;
using Storytailor.Build.Services.Deployment;
using Storytailor.Build.Tests;
using Storytailor.Core;
using Storytailor.Database;
using Storytailor.Deploy;
using Storytailor.Rehearsal.Tests;

// Outside the Storytailor.Rehearsal.Tests namespace on purpose: see BookshelfRehearsalAssembly.
namespace Storytailor.Rehearsal.Fixtures;

/// <summary>
/// DeployStaging rehearsed on the bookshelf fixture, a monorepo of another shape than the example: services/ and
/// libs/, three Lambdas and a shared library, its own scripts, folders (db/supabase, deploy/terraform, perf/), routes
/// and Terraform contract (variables release and bundles, outputs base_url and lambdas). Fake AWS, real Terraform on
/// the fixture's configuration (local backend), the Supabase CLI onto a throwaway PostgreSQL, and each colour's three
/// services behind a gateway that routes and throttles as API Gateway would.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
[NonParallelizable]
public sealed class BookshelfStagingRehearsalTests
{
    private static readonly string[] Services = ["catalog", "notify", "orders"];

    private DeployRehearsal _rehearsal = null!;
    private ThrowawayPostgres _postgres = null!;

    [OneTimeSetUp]
    public async Task Prepare()
    {
        var runner = new CommandRunner(new RecordingLog(), new SecretRedactor());
        await StagingCase.EnsureSupabaseCliAsync(runner);
        _postgres = await ThrowawayPostgres.StartAsync(new PostgresSettings(), runner, new RecordingLog(), new SecretRedactor());
        _rehearsal = BookshelfRehearsalAssembly.Shared;
    }

    [OneTimeTearDown]
    public async Task Dispose()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }

    [Test]
    public async Task The_three_lambdas_are_packaged_uploaded_applied_and_verified_and_the_library_never()
    {
        await using var staging = await StagingCase.StartAsync(_rehearsal, "bookshelf-success", await _postgres.CreateDatabaseAsync("bookshelf_success"));

        var run = staging.Build("--target=DeployStaging", "--tag=v2.3.0");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(_rehearsal.CodeSha256.Keys.Order(StringComparer.Ordinal), Is.EqualTo(new[] { "@bookshelf/catalog", "@bookshelf/notify", "@bookshelf/orders" }), "the manifest packages the services only");
        var record = staging.Ledger().Single().RootElement;
        Assert.That(record.GetProperty("outcome").GetString(), Is.EqualTo("Succeeded"));
        Assert.That(Steps(record), Is.EqualTo(StagingStages.Steps));
        Assert.That(staging.DeployedVersion(), Is.EqualTo("v2.3.0"), "the fixture's release variable, read back from its release output");

        var uploaded = staging.Fake.S3.Keys(DeployRehearsal.Bucket).Where(k => k.EndsWith(".zip", StringComparison.Ordinal)).ToList();
        Assert.That(uploaded, Has.Count.EqualTo(3).And.None.Contains("http-kit"), string.Join(", ", uploaded));
        Assert.That(Facts(record, "upload").Where(f => f!.StartsWith("artifact ", StringComparison.Ordinal)).Select(f => f!.Split(' ')[1]).Order(StringComparer.Ordinal), Is.EqualTo(Services));

        var bundles = AppliedBundles(staging);
        Assert.That(bundles.Keys.Order(StringComparer.Ordinal), Is.EqualTo(Services), "Terraform got a bundle for each service through the fixture's bundles variable, none for the library");
        foreach (var service in Services)
        {
            Assert.That(bundles[service], Is.EqualTo(_rehearsal.CodeSha256[$"@bookshelf/{service}"]), service);
        }

        var verified = Facts(record, DeploymentSteps.VerifyFunctions);
        Assert.That(verified, Has.Length.EqualTo(3));
        foreach (var service in Services)
        {
            Assert.That(verified, Has.Exactly(1).Contains($"bookshelf-staging-{service}"), "each function of the lambdas output is checked");
        }

        Assert.That(Facts(record, DeploymentSteps.Migrations), Has.Some.Contains("applied 2 migration(s)"));
        Assert.That(await staging.AppliedMigrationsAsync(), Is.EqualTo(2));
        Assert.That(Facts(record, StagingStages.IntegrationTests), Has.Some.StartsWith("npm run test:e2e against "));
        Assert.That(Facts(record, StagingStages.LoadTest), Has.Some.StartsWith("load 'staging':"));
        Assert.That(Facts(record, StagingStages.SecurityProbes), Has.Some.StartsWith("security: "));
        using var smoke = JsonDocument.Parse(File.ReadAllText(Path.Combine(_rehearsal.Artifacts, "deploy", "smoke-staging.json")));
        Assert.That(smoke.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()),
            Is.EqualTo(new[] { "health /catalog/health", "health /orders/health", "health /notify/health", "rate limiting" }), "the fixture's own checks: no CORS, API Gateway's throttling");
        Assert.That(run.Output, Does.Not.Contain("/v1/").And.Not.Contain("storytailor.com"));
    }

    [Test]
    public async Task A_failure_after_apply_re_applies_the_previous_release_with_its_bundles()
    {
        await using var staging = await StagingCase.StartAsync(_rehearsal, "bookshelf-rollback", await _postgres.CreateDatabaseAsync("bookshelf_rollback"));
        var first = staging.Build("--target=DeployStaging", "--tag=v1.0.0");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());

        staging.BrokenVersion = "v1.1.0";
        var run = staging.Build("--target=DeployStaging", "--tag=v1.1.0");

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("failed at 'integration-tests'").And.Contain("npm run test:e2e").And.Contain("Rolled back automatically: v1.0.0 is applied again"));
        Assert.That(staging.DeployedVersion(), Is.EqualTo("v1.0.0"));
        Assert.That(AppliedBundles(staging).Keys.Order(StringComparer.Ordinal), Is.EqualTo(Services), "the re-applied release has its three bundles");
    }

    [Test]
    public async Task Dry_run_names_the_declared_migrations_folder_and_integration_script_and_changes_nothing()
    {
        await using var staging = await StagingCase.StartAsync(_rehearsal, "bookshelf-dry-run", await _postgres.CreateDatabaseAsync("bookshelf_dry_run"));

        var run = staging.Build("--target=DeployStaging", "--tag=v2.0.0", "--dry-run");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("with the 2 file(s) of db/supabase/migrations: 20250101000000_readers.sql, 20250101000100_loans.sql"));
        Assert.That(run.Output, Does.Contain("integration: npm run test:e2e"));
        Assert.That(staging.Fake.MutatingRequests, Is.Empty, string.Join(", ", staging.Fake.MutatingRequests.Select(r => r.Operation)));
        Assert.That(staging.DeployedVersion(), Is.Null);
        Assert.That(await staging.AppliedMigrationsAsync(), Is.Zero);
    }

    /// <summary>Service → CodeSha256 of the bundle the fixture's terraform_data.service stand-ins hold in the staging state.</summary>
    private static Dictionary<string, string> AppliedBundles(StagingCase staging)
    {
        using var state = JsonDocument.Parse(File.ReadAllText(staging.StateFile));
        var bundles = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in state.RootElement.GetProperty("resources").EnumerateArray()
            .Where(r => r.GetProperty("type").GetString() == "terraform_data" && r.GetProperty("name").GetString() == "service"))
        {
            foreach (var instance in resource.GetProperty("instances").EnumerateArray())
            {
                var bundle = instance.GetProperty("attributes").GetProperty("input").GetProperty("value").GetProperty("bundle");
                if (bundle.ValueKind == JsonValueKind.Object)
                {
                    bundles[instance.GetProperty("index_key").GetString()!] = bundle.GetProperty("code_sha256").GetString()!;
                }
            }
        }

        return bundles;
    }

    private static string?[] Facts(JsonElement record, string step) =>
        [.. record.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("name").GetString() == step).GetProperty("facts").EnumerateArray().Select(f => f.GetString())];

    private static string[] Steps(JsonElement record) => [.. record.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()!)];
}
