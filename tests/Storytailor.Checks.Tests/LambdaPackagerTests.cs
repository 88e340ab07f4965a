using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Storytailor.Checks.Packaging;
using Storytailor.Core;

namespace Storytailor.Checks.Tests;

[TestFixture]
public sealed class LambdaPackagerTests
{
    private TempFolder _app = null!;
    private TempFolder _artifacts = null!;
    private ServiceKit _kit = null!;

    [SetUp]
    public void SetUp()
    {
        _app = new TempFolder();
        _artifacts = new TempFolder();
        _kit = new ServiceKit();

        // An npm-workspaces app as npm installs it: hoisted deps at the root, a nested copy, a workspace symlink.
        _app.Write("package.json", """{"name":"app","private":true,"workspaces":["packages/*"],"devDependencies":{"dev-only":"1.0.0"}}""");
        _app.Write("packages/agent/package.json", """{"name":"@st/agent","version":"1.2.0","main":"./dist/index.js","files":["dist"],"dependencies":{"dep-a":"^1.0.0"},"devDependencies":{"dev-only":"1.0.0"}}""");
        _app.Write("packages/agent/dist/index.js", "export const agent = () => 'agent';\n");
        _app.Write("packages/agent/src/index.ts", "export const agent = () => 'agent';\n");
        _app.Write("packages/router/package.json", """{"name":"@st/router","version":"2.0.0","main":"./dist/handler.js","files":["dist"],"dependencies":{"@st/agent":"*","dep-b":"^1.0.0"}}""");
        _app.Write("packages/router/dist/handler.js", "export const handler = async () => ({ statusCode: 200 });\n");
        _app.Write("packages/router/dist/handler.js.map", "{}");
        _app.Write("packages/router/src/handler.ts", "export const handler = async () => ({ statusCode: 200 });\n");
        _app.Write("packages/router/tsconfig.tsbuildinfo", "{}");
        _app.Write("packages/tooling/package.json", """{"name":"@st/tooling","version":"0.0.1"}""");
        _app.Write("node_modules/dep-a/package.json", """{"name":"dep-a","version":"1.0.0","main":"index.js"}""");
        _app.Write("node_modules/dep-a/index.js", "module.exports = 'a';\n");
        _app.Write("node_modules/dep-b/package.json", """{"name":"dep-b","version":"1.0.0","dependencies":{"dep-c":"^2.0.0"}}""");
        _app.Write("node_modules/dep-b/index.js", "module.exports = require('dep-c');\n");
        _app.Write("node_modules/dep-b/node_modules/dep-c/package.json", """{"name":"dep-c","version":"2.0.0"}""");
        _app.Write("node_modules/dep-b/node_modules/dep-c/index.js", "module.exports = 'c2';\n");
        _app.Write("node_modules/dep-c/package.json", """{"name":"dep-c","version":"1.0.0"}""");
        _app.Write("node_modules/dev-only/package.json", """{"name":"dev-only","version":"1.0.0"}""");
        Directory.CreateDirectory(Path.Combine(_app.Path, "node_modules/@st"));
        Directory.CreateSymbolicLink(Path.Combine(_app.Path, "node_modules/@st/agent"), "../../packages/agent");
        Directory.CreateSymbolicLink(Path.Combine(_app.Path, "node_modules/@st/router"), "../../packages/router");
    }

    [TearDown]
    public void TearDown()
    {
        _app.Dispose();
        _artifacts.Dispose();
    }

    private Task<PackagingResult> PackageAsync(string? artifactsRoot = null) =>
        new LambdaPackager(_kit.Runner, new ArtifactWriter(artifactsRoot ?? _artifacts.Path, _kit.Redactor), _kit.Log)
            .PackageAsync(new PackagingSettings(_app.Path, "0123456789abcdef0123456789abcdef01234567"));

    [Test]
    public async Task Router_zip_holds_built_code_and_production_dependencies_only()
    {
        var result = await PackageAsync();

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Passed), result.Message);
        var router = result.Artifacts.Single(a => a.Name == "@st/router");
        Assert.That(router.FileName, Is.EqualTo("packages/st-router-2.0.0.zip"));
        using var zip = ZipFile.OpenRead(Path.Combine(_artifacts.Path, router.FileName));
        var files = zip.Entries.Where(e => !e.FullName.EndsWith('/')).Select(e => e.FullName).ToList();
        Assert.That(files, Is.EqualTo(new[]
        {
            "dist/handler.js",
            "dist/handler.js.map",
            "node_modules/@st/agent/dist/index.js",
            "node_modules/@st/agent/package.json",
            "node_modules/dep-a/index.js",
            "node_modules/dep-a/package.json",
            "node_modules/dep-b/index.js",
            "node_modules/dep-b/node_modules/dep-c/index.js",
            "node_modules/dep-b/node_modules/dep-c/package.json",
            "node_modules/dep-b/package.json",
            "package.json",
        }));
        Assert.That(zip.Entries.Select(e => e.FullName), Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
        Assert.That(zip.Entries.Where(e => !e.FullName.EndsWith('/')).Select(e => (e.ExternalAttributes >> 16) & 0xFFFF), Is.All.EqualTo(0x81A4));
        Assert.That(zip.Entries.Where(e => e.FullName.EndsWith('/')).Select(e => (e.ExternalAttributes >> 16) & 0xFFFF), Is.All.EqualTo(0x41ED));
        Assert.That(zip.Entries.Select(e => e.LastWriteTime.DateTime), Is.All.EqualTo(new DateTime(1980, 1, 1)));
        using var reader = new StreamReader(zip.GetEntry("node_modules/dep-b/node_modules/dep-c/index.js")!.Open());
        Assert.That(await reader.ReadToEndAsync(), Is.EqualTo("module.exports = 'c2';\n"));
    }

    [Test]
    public async Task Unzip_accepts_the_archive()
    {
        var result = await PackageAsync();
        var zip = Path.Combine(_artifacts.Path, result.Artifacts[0].FileName);

        var check = await _kit.Runner.RunAsync(new CommandSpec("unzip", ["-t", zip], _artifacts.Path));

        Assert.That(check.ExitCode, Is.Zero, check.StandardOutput + check.StandardError);
        Assert.That(check.StandardOutput, Does.Contain("No errors detected"));
    }

    [Test]
    public async Task Manifest_lists_each_package_with_commit_size_and_both_hashes()
    {
        var result = await PackageAsync();

        Assert.That(result.Artifacts.Select(a => a.Name), Is.EqualTo(new[] { "@st/agent", "@st/router" }), "packages without main are not Lambdas");
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(_artifacts.Path, "manifest.json")));
        var router = manifest.RootElement.GetProperty("packages").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "@st/router");
        var bytes = File.ReadAllBytes(Path.Combine(_artifacts.Path, "packages/st-router-2.0.0.zip"));
        var hash = SHA256.HashData(bytes);
        Assert.That(router.GetProperty("version").GetString(), Is.EqualTo("2.0.0"));
        Assert.That(router.GetProperty("gitCommit").GetString(), Is.EqualTo("0123456789abcdef0123456789abcdef01234567"));
        Assert.That(router.GetProperty("size").GetInt64(), Is.EqualTo(bytes.Length));
        Assert.That(router.GetProperty("sha256").GetString(), Is.EqualTo(Convert.ToHexStringLower(hash)));
        Assert.That(router.GetProperty("codeSha256").GetString(), Is.EqualTo(Convert.ToBase64String(hash)));
        Assert.That(router.GetProperty("fileName").GetString(), Is.EqualTo("packages/st-router-2.0.0.zip"));
    }

    [Test]
    public async Task Two_runs_over_the_same_inputs_give_byte_identical_zips_even_after_touching_files()
    {
        using var second = new TempFolder();
        var first = await PackageAsync();
        foreach (var file in Directory.EnumerateFiles(_app.Path, "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(file, new DateTime(2031, 5, 6, 7, 8, 9, DateTimeKind.Utc));
        }

        File.SetUnixFileMode(Path.Combine(_app.Path, "packages/router/dist/handler.js"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherRead);
        var again = await PackageAsync(second.Path);

        Assert.That(again.Artifacts.Select(a => a.Sha256), Is.EqualTo(first.Artifacts.Select(a => a.Sha256)));
        foreach (var artifact in first.Artifacts)
        {
            Assert.That(File.ReadAllBytes(Path.Combine(second.Path, artifact.FileName)), Is.EqualTo(File.ReadAllBytes(Path.Combine(_artifacts.Path, artifact.FileName))));
        }
    }

    [Test]
    public async Task Changed_code_changes_the_hash()
    {
        using var second = new TempFolder();
        var first = await PackageAsync();
        _app.Write("packages/router/dist/handler.js", "export const handler = async () => ({ statusCode: 204 });\n");

        var again = await PackageAsync(second.Path);

        Assert.That(again.Artifacts.Single(a => a.Name == "@st/router").Sha256, Is.Not.EqualTo(first.Artifacts.Single(a => a.Name == "@st/router").Sha256));
        Assert.That(again.Artifacts.Single(a => a.Name == "@st/agent").Sha256, Is.EqualTo(first.Artifacts.Single(a => a.Name == "@st/agent").Sha256));
    }

    [Test]
    public async Task Package_without_built_output_fails_asking_for_the_build()
    {
        Directory.Delete(Path.Combine(_app.Path, "packages/router/dist"), recursive: true);

        var result = await PackageAsync();

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Failed));
        Assert.That(result.Message, Does.Contain("@st/router").And.Contain("run the build first"));
    }

    [Test]
    public async Task Missing_production_dependency_fails_naming_it()
    {
        Directory.Delete(Path.Combine(_app.Path, "node_modules/dep-a"), recursive: true);

        var result = await PackageAsync();

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Failed));
        Assert.That(result.Message, Does.Contain("'dep-a'").And.Contain("not installed"));
    }
}
