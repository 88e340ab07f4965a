using Storytailor.Checks.Security;

namespace Storytailor.Checks.Tests;

[TestFixture]
public sealed class SecretScanTests
{
    // Planted secrets are assembled at run time so that this source file itself holds none.
    private static readonly string AwsKey = "AKIA" + "Q7ZX3MPL2RTW9HYB";
    private static readonly string StripeKey = "sk_" + "live_" + "51HxQe2K9vLmN3pR7sT0uWyZ";
    private static readonly string OpenAiKey = "sk-" + "proj-" + "Xy7Ab3Cd9Ef1Gh5Ij2Kl8Mn4Op6Qr0StUvWxYz";
    private static readonly string SlackHook = "https://hooks.slack" + ".com/services/T01ABCD2EFG/B02HIJK3LMN/a1B2c3D4e5F6g7H8i9J0k1L2";
    private static readonly string KeyHeader = "-----BEGIN " + "RSA PRIVATE KEY-----";
    private static readonly string JwtLiteral = "s3cr3t-" + "signing-value";

    private TempFolder _app = null!;
    private ServiceKit _kit = null!;

    [SetUp]
    public void SetUp()
    {
        _app = new TempFolder();
        _kit = new ServiceKit();
        _app.Write("package.json", """{"name":"app","version":"1.0.0"}""");
        _app.Write("src/index.ts", "export const greeting = 'hello';\nconst jwtSecret = process.env.JWT_SECRET;\n");
        _app.Write("README.md", "Keys look like AKIA followed by 16 characters; never commit them.\n");
    }

    [TearDown]
    public void TearDown() => _app.Dispose();

    private void GitInit()
    {
        Shell.Run(_app.Path, "git", "init", "-q");
        Shell.Run(_app.Path, "git", "add", "-A");
    }

    private Task<SecretScanResult> ScanAsync() => new SecretScan(_kit.Runner, _kit.Log).RunAsync(new SecretScanSettings(_app.Path));

    [Test]
    public async Task Clean_repository_passes()
    {
        GitInit();

        var result = await ScanAsync();

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Passed), result.Message);
        Assert.That(result.FilesScanned, Is.EqualTo(3));
    }

    [Test]
    public async Task Each_kind_of_planted_secret_fails_with_file_line_and_rule_without_printing_it()
    {
        _app.Write("src/aws.ts", $"// config\nexport const key = '{AwsKey}';\n");
        _app.Write("src/billing.js", $"const stripe = require('stripe')('{StripeKey}');\n");
        _app.Write("scripts/ai.py", $"\n\nclient = OpenAI(api_key=\"{OpenAiKey}\")\n");
        _app.Write("docs/alerts.md", $"Post to {SlackHook} on failure.\n");
        _app.Write("deploy/id_rsa", $"{KeyHeader}\nMIIEpAIBAAKCAQEA1234567890abcdef\n-----END RSA PRIVATE KEY-----\n");
        _app.Write("src/auth.ts", $"import jwt from 'jsonwebtoken';\nconst JWT_SECRET = \"{JwtLiteral}\";\n");
        GitInit();

        var result = await ScanAsync();

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Failed));
        Assert.That(result.Findings.Select(f => $"{f.File}:{f.Line}:{f.Rule}"), Is.EquivalentTo(new[]
        {
            "src/aws.ts:2:aws-access-key-id",
            "src/billing.js:1:stripe-live-key",
            "scripts/ai.py:3:openai-api-key",
            "docs/alerts.md:1:slack-webhook",
            "deploy/id_rsa:1:private-key-block",
            "src/auth.ts:2:jwt-secret-literal",
        }));
        Assert.That(result.Message, Does.Contain("src/aws.ts:2: aws-access-key-id (AKIA****9HYB)"));
        foreach (var secret in new[] { AwsKey, StripeKey, OpenAiKey, SlackHook, JwtLiteral })
        {
            Assert.That(result.Message, Does.Not.Contain(secret));
            Assert.That(_kit.Log.Text, Does.Not.Contain(secret));
        }
    }

    [Test]
    public async Task Only_tracked_and_unignored_files_are_scanned()
    {
        _app.Write(".gitignore", "local.env\n");
        _app.Write("local.env", $"AWS_ACCESS_KEY_ID={AwsKey}\n");
        _app.Write("node_modules/pkg/index.js", $"const k = '{AwsKey}';\n");
        _app.Write(".gitignore", "local.env\nnode_modules/\n");
        GitInit();

        var result = await ScanAsync();

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Passed), result.Message);
    }

    [Test]
    public async Task Outside_git_every_file_except_build_output_is_scanned()
    {
        _app.Write("node_modules/pkg/index.js", $"const k = '{AwsKey}';\n");
        _app.Write("dist/index.js", $"const k = '{AwsKey}';\n");
        _app.Write("local.env", $"AWS_ACCESS_KEY_ID={AwsKey}\n");

        var result = await ScanAsync();

        Assert.That(result.Findings.Select(f => f.File), Is.EqualTo(new[] { "local.env" }));
    }

    [Test]
    public async Task Allow_list_entries_by_line_by_file_and_by_fingerprint_allow_exactly_those_findings()
    {
        _app.Write("test/fixtures.ts", $"export const a = '{AwsKey}';\nexport const b = '{StripeKey}';\n");
        _app.Write("docs/example.md", $"{SlackHook}\n");
        _app.Write("src/config.ts", $"const x = '{OpenAiKey}';\nconst y = '{AwsKey}';\n");
        _app.Write(".secretscan-allow", $"""
            # fixtures
            test/fixtures.ts:1:aws-access-key-id
            test/fixtures.ts:stripe-live-key
            {SecretScan.Fingerprint(SlackHook)}  # documented example
            """);
        GitInit();

        var result = await ScanAsync();

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Failed));
        Assert.That(result.Findings.Select(f => $"{f.File}:{f.Line}:{f.Rule}"), Is.EquivalentTo(new[] { "src/config.ts:1:openai-api-key", "src/config.ts:2:aws-access-key-id" }));
        Assert.That(result.Allowed, Has.Count.EqualTo(3));
    }

    [Test]
    public async Task Fully_allow_listed_findings_pass()
    {
        _app.Write("test/fixtures.ts", $"export const a = '{AwsKey}';\n");
        _app.Write(".secretscan-allow", "test/fixtures.ts:aws-access-key-id\n");
        GitInit();

        var result = await ScanAsync();

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Passed), result.Message);
        Assert.That(result.Message, Does.Contain("1 allow-listed"));
    }

    [Test]
    public async Task Malformed_allow_list_fails_naming_the_line()
    {
        _app.Write(".secretscan-allow", "# ok\nsrc/a.ts:1:not-a-rule\n");
        GitInit();

        var result = await ScanAsync();

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Failed));
        Assert.That(result.Message, Does.Contain("line 2").And.Contain("not-a-rule"));
    }

    [Test]
    public async Task Binary_files_are_skipped()
    {
        var bytes = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0, 0, 0 }.Concat(System.Text.Encoding.ASCII.GetBytes(AwsKey)).ToArray();
        File.WriteAllBytes(Path.Combine(_app.Path, "logo.png"), bytes);
        GitInit();

        var result = await ScanAsync();

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Passed), result.Message);
    }

    [Test]
    public void Jwt_secret_rule_ignores_environment_lookups_and_short_values_and_non_code_files()
    {
        Assert.That(SecretScan.ScanText("src/a.ts", "const jwtSecret = process.env.JWT_SECRET ?? '';"), Is.Empty);
        Assert.That(SecretScan.ScanText("src/a.ts", "const jwtSecret = 'short';"), Is.Empty);
        Assert.That(SecretScan.ScanText("notes.md", $"JWT_SECRET = \"{JwtLiteral}\""), Is.Empty);
        Assert.That(SecretScan.ScanText("src/a.ts", $"const s = process.env.JWT_SECRET || '{JwtLiteral}';").Single().Rule, Is.EqualTo("jwt-secret-literal"));
        Assert.That(SecretScan.ScanText("config.json", $"{{\"jwtSecret\": \"{JwtLiteral}\"}}").Single().Rule, Is.EqualTo("jwt-secret-literal"));
    }
}
