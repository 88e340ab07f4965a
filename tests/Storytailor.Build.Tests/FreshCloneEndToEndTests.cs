namespace Storytailor.Build.Tests;

/// <summary>
/// A new user's first run: a fresh clone of the repository (its committed HEAD, so no tools/*/node_modules and no
/// compiled build program), then ./build.sh --target=Ci --skip=SecurityAudit, twice. The first run compiles the
/// build program and installs the pinned tools; the second reinstalls nothing.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
[NonParallelizable]
public sealed class FreshCloneEndToEndTests
{
    private TemporaryFolder _workspace = null!;
    private string _clone = null!;
    private BuildRun _first = null!;
    private BuildRun _second = null!;

    private static readonly Dictionary<string, string?> Environment = new() { ["SNYK_TOKEN"] = null, ["STORYTAILOR_APP_ROOT"] = null };

    // The audit service is unreachable on the build machines (see README); the baseline's latency gate has its own tests.
    private static readonly string[] Arguments = ["build.sh", "--target=Ci", "--skip=SecurityAudit", "--baseline-p95-limit=60000"];

    [OneTimeSetUp]
    public void CloneAndRunCiTwice()
    {
        _workspace = new TemporaryFolder("storytailor-clone-");
        _clone = Path.Combine(_workspace.Path, "storytailor");
        var clone = BuildProgram.Start("git", ["clone", "--quiet", BuildProgram.RepositoryRoot, _clone], _workspace.Path, null);
        Assert.That(clone.ExitCode, Is.EqualTo(0), clone.ToString());
        Assert.That(Directory.GetDirectories(Path.Combine(_clone, "tools"), "node_modules", SearchOption.AllDirectories), Is.Empty, "a fresh clone has no installed tools");

        _first = BuildProgram.Start("bash", Arguments, _clone, Environment, TimeSpan.FromMinutes(15));
        _second = BuildProgram.Start("bash", Arguments, _clone, Environment, TimeSpan.FromMinutes(10));
    }

    [OneTimeTearDown]
    public void DeleteClone() => _workspace.Dispose();

    [Test]
    public void The_first_run_installs_the_build_and_its_tools_and_Ci_passes()
    {
        Assert.That(_first.ExitCode, Is.EqualTo(0), _first.ToString());
        Assert.That(_first.Output, Does.Contain("compiling the build program"));
        Assert.That(_first.Output, Does.Contain("Installing Supabase CLI 3.1.0").And.Contain("Supabase CLI 3.1.0 installed"));
        Assert.That(_first.Output, Does.Match(@"Database\s+\d\d:\d\d:\d\d\.\d+\s+Succeeded"));
        Assert.That(_first.Output, Does.Match(@"Ci\s+\d\d:\d\d:\d\d\.\d+\s+Succeeded"));
        Assert.That(File.Exists(Path.Combine(_clone, "tools", "supabase", "node_modules", Storytailor.Core.PinnedNpmTool.MarkerName)));
    }

    [Test]
    public void The_second_run_reinstalls_nothing()
    {
        Assert.That(_second.ExitCode, Is.EqualTo(0), _second.ToString());
        Assert.That(_second.Output, Does.Not.Contain("compiling the build program").And.Not.Contain("Installing"));
        Assert.That(_second.Output, Does.Contain("Tools: node").And.Contain("supabase 3.1.0"));
        Assert.That(_second.Output, Does.Match(@"Database\s+-\s+Skipped\s+cached"), "and the stages are cached");
    }
}
