using System.Text.Json;
using Storytailor.Deploy;
using Storytailor.Rehearsal.Tests;

// Outside the Storytailor.Rehearsal.Tests namespace on purpose: see BookshelfRehearsalAssembly.
namespace Storytailor.Rehearsal.Fixtures;

/// <summary>
/// DeployProduction rehearsed on the bookshelf fixture: blue/green on its own Terraform contract (release and bundles
/// set, base_url and lambdas read, the colour's HTTP API found under its http_api_id and http_api_stage outputs), the
/// fake AWS, real Terraform (local backend), each colour's three services behind a throttling gateway.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
[NonParallelizable]
public sealed class BookshelfProductionRehearsalTests
{
    private static readonly string[] Services = ["catalog", "notify", "orders"];

    private DeployRehearsal _rehearsal = null!;

    [OneTimeSetUp]
    public void Prepare() => _rehearsal = BookshelfRehearsalAssembly.Shared;

    [Test]
    public async Task A_release_switches_to_green_its_three_functions_verified_and_warmed_monitored_under_the_declared_api_outputs()
    {
        await using var rehearsal = await _rehearsal.StartCaseAsync("bookshelf-production");

        var run = rehearsal.Build("--target=DeployProduction", "--tag=v1.1.0");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(rehearsal.RecordTarget, Is.EqualTo(DeployRehearsal.GreenEndpoint));
        Assert.That(rehearsal.StateOf("prod-blue"), Is.Empty, "blue destroyed");
        Assert.That(rehearsal.StateOf("prod-green"), Is.EquivalentTo(Services.Select(s => $"terraform_data.service[\"{s}\"]")), "green holds the three services' stand-ins");
        var record = rehearsal.Ledger().Single().RootElement;
        Assert.That(record.GetProperty("outcome").GetString(), Is.EqualTo("Succeeded"));
        Assert.That(Steps(record), Is.EqualTo(new[] { "preflight", "upload", "migrations", "apply", "verify-functions", "warmup", "tests", "switch", "monitoring", "cleanup" }));

        var verified = Facts(record, DeploymentSteps.VerifyFunctions);
        Assert.That(verified, Has.Length.EqualTo(3));
        foreach (var service in Services)
        {
            Assert.That(verified, Has.Exactly(1).Contains($"bookshelf-prod-green-{service}"));
        }

        Assert.That(rehearsal.Fake.Lambda.Invocations.Distinct().Order(StringComparer.Ordinal), Is.EqualTo(Services.Select(s => $"bookshelf-prod-green-{s}")), "the warm-up invoked green's three functions, nothing of the library");
        Assert.That(run.Output, Does.Contain("Monitoring green (HTTP API ApiId=bookshelf-prod-green, Stage=live)"), "the colour's API identity came from the declared outputs");
        Assert.That(run.Output, Does.Not.Contain("/v1/").And.Not.Contain("storytailor.com"));
    }

    private static string?[] Facts(JsonElement record, string step) =>
        [.. record.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("name").GetString() == step).GetProperty("facts").EnumerateArray().Select(f => f.GetString())];

    private static string[] Steps(JsonElement record) => [.. record.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()!)];
}
