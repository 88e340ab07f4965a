using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Storytailor.Core;

namespace Storytailor.Checks.Security;

/// <summary>Settings of the secret scan.</summary>
/// <param name="AppRoot">The app's root folder. Its git-tracked files are scanned (all files outside a git work tree).</param>
public sealed record SecretScanSettings(string AppRoot)
{
    /// <summary>Allow-list file, relative to the app root.</summary>
    public string AllowListFile { get; init; } = ".secretscan-allow";

    /// <summary>Files larger than this are not read (a warning names them).</summary>
    public long MaxFileBytes { get; init; } = 5 * 1024 * 1024;

    public string GitExecutable { get; init; } = "git";
}

/// <summary>A secret found in a file. <see cref="Preview"/> is masked; the secret itself is never kept.</summary>
public sealed record SecretFinding(string File, int Line, string Rule, string Preview, string Fingerprint)
{
    public override string ToString() => $"{File}:{Line}: {Rule} ({Preview}) fingerprint {Fingerprint}";
}

public sealed record SecretScanResult(StageOutcome Outcome, string Message, IReadOnlyList<SecretFinding> Findings, int FilesScanned)
{
    public bool Passed => Outcome != StageOutcome.Failed;

    public IReadOnlyList<SecretFinding> Allowed { get; init; } = [];
}

/// <summary>Scans the app's tracked files for known key formats.</summary>
public sealed partial class SecretScan(CommandRunner runner, IBuildLog log)
{
    private static readonly HashSet<string> CodeExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".json", ".py", ".cs", ".go", ".java", ".kt", ".rb",
        ".php", ".sh", ".yml", ".yaml", ".toml", ".tf", ".tfvars", ".env", ".sql",
    };

    private static readonly string[] SkippedFolders = ["node_modules", "dist", "coverage", ".git"];

    /// <summary>The rules, by name.</summary>
    public static IReadOnlyList<string> RuleNames { get; } =
        ["aws-access-key-id", "stripe-live-key", "openai-api-key", "slack-webhook", "private-key-block", "jwt-secret-literal"];

    public async Task<SecretScanResult> RunAsync(SecretScanSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var root = Path.GetFullPath(settings.AppRoot);
        IReadOnlyList<string> files;
        try
        {
            files = await ListFilesAsync(root, settings.GitExecutable, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandException ex)
        {
            var message = $"Secret scan could not run: {ex.Message}";
            log.Error(message);
            return new SecretScanResult(StageOutcome.Failed, message, [], 0);
        }

        AllowList allowList;
        try
        {
            allowList = AllowList.Load(Path.Combine(root, settings.AllowListFile));
        }
        catch (FormatException ex)
        {
            var message = $"Secret scan could not run: {settings.AllowListFile}: {ex.Message}";
            log.Error(message);
            return new SecretScanResult(StageOutcome.Failed, message, [], 0);
        }

        var findings = new List<SecretFinding>();
        var scanned = 0;
        foreach (var relative in files)
        {
            var path = Path.Combine(root, relative);
            var info = new FileInfo(path);
            if (!info.Exists || info.LinkTarget is not null)
            {
                continue;
            }

            if (info.Length > settings.MaxFileBytes)
            {
                log.Warning($"Secret scan: {relative} is larger than {settings.MaxFileBytes} bytes and was not scanned.");
                continue;
            }

            var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            if (IsBinary(bytes))
            {
                continue;
            }

            scanned++;
            findings.AddRange(ScanText(relative, Encoding.UTF8.GetString(bytes)));
        }

        var allowed = findings.Where(allowList.Allows).ToList();
        var blocking = findings.Except(allowed).ToList();
        foreach (var stale in allowList.Unused(findings))
        {
            log.Warning($"Secret scan: allow-list entry '{stale}' matches no finding any more; remove it.");
        }

        if (blocking.Count == 0)
        {
            var message = $"Secret scan: no secrets in {scanned} file(s) ({allowed.Count} allow-listed finding(s)).";
            log.Information(message);
            return new SecretScanResult(StageOutcome.Passed, message, [], scanned) { Allowed = allowed };
        }

        var failure = $"Secret scan found {blocking.Count} secret(s) in {scanned} file(s) (allow-list: {settings.AllowListFile}):\n"
            + string.Join('\n', blocking.Select(f => $"  {f}"));
        log.Error(failure);
        return new SecretScanResult(StageOutcome.Failed, failure, blocking, scanned) { Allowed = allowed };
    }

    /// <summary>Finds secrets in one file's text. <paramref name="relativePath"/> uses '/' separators.</summary>
    public static IReadOnlyList<SecretFinding> ScanText(string relativePath, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var findings = new List<SecretFinding>();
        var lines = text.Split('\n');
        var isCode = CodeExtensions.Contains(Path.GetExtension(relativePath))
            || Path.GetFileName(relativePath).StartsWith(".env", StringComparison.OrdinalIgnoreCase);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            void Add(string rule, string secret, string? fingerprintInput = null) =>
                findings.Add(new SecretFinding(relativePath, i + 1, rule, Mask(secret), Fingerprint(fingerprintInput ?? secret)));

            foreach (Match m in AwsKey().Matches(line))
            {
                Add("aws-access-key-id", m.Value);
            }

            foreach (Match m in StripeKey().Matches(line))
            {
                Add("stripe-live-key", m.Value);
            }

            foreach (Match m in OpenAiKey().Matches(line))
            {
                if (m.Value.Any(char.IsDigit) && m.Value.Any(char.IsLetter))
                {
                    Add("openai-api-key", m.Value);
                }
            }

            foreach (Match m in SlackWebhook().Matches(line))
            {
                Add("slack-webhook", m.Value);
            }

            var block = PrivateKey().Match(line);
            if (block.Success)
            {
                // The header is the same for every key: the fingerprint covers the first line of key material too.
                var material = i + 1 < lines.Length ? lines[i + 1].Trim() : string.Empty;
                Add("private-key-block", block.Value, block.Value + "\n" + material);
            }

            if (isCode)
            {
                foreach (Match m in JwtSecret().Matches(line))
                {
                    Add("jwt-secret-literal", m.Groups["value"].Value);
                }
            }
        }

        return findings;
    }

    /// <summary>A preview that shows only the first and last four characters of a secret.</summary>
    public static string Mask(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.StartsWith("-----BEGIN", StringComparison.Ordinal))
        {
            return secret;
        }

        return secret.Length >= 16 ? $"{secret[..4]}****{secret[^4..]}" : $"{secret[..2]}****";
    }

    /// <summary>SHA-256 (lower-case hex) of the matched secret, the form allow-list fingerprints take.</summary>
    public static string Fingerprint(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private async Task<IReadOnlyList<string>> ListFilesAsync(string root, string git, CancellationToken cancellationToken)
    {
        CommandResult inside;
        try
        {
            inside = await runner.RunAsync(new CommandSpec(git, ["rev-parse", "--is-inside-work-tree"], root) { StreamOutput = false, Timeout = TimeSpan.FromMinutes(1) }, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandException)
        {
            log.Warning("Secret scan: git is not available; scanning every file of the app root.");
            return WalkFiles(root);
        }

        if (!inside.Succeeded || inside.StandardOutput.Trim() != "true")
        {
            log.Verbose("Secret scan: the app root is not in a git work tree; scanning every file.");
            return WalkFiles(root);
        }

        // Tracked files, plus new files not yet added that git does not ignore (they are one `git add` from a commit).
        var listed = await runner.RunAsync(
            new CommandSpec(git, ["-c", "core.quotePath=false", "ls-files", "--cached", "--others", "--exclude-standard"], root) { StreamOutput = false, Timeout = TimeSpan.FromMinutes(2) },
            cancellationToken).ConfigureAwait(false);
        if (!listed.Succeeded)
        {
            throw new CommandException($"git ls-files failed with exit code {listed.ExitCode}: {listed.Tail(5)}");
        }

        return listed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    private static List<string> WalkFiles(string root)
    {
        var result = new List<string>();
        var pending = new Stack<string>([root]);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo directory)
                {
                    if (!SkippedFolders.Contains(directory.Name, StringComparer.Ordinal) && directory.LinkTarget is null)
                    {
                        pending.Push(directory.FullName);
                    }
                }
                else
                {
                    result.Add(Path.GetRelativePath(root, entry.FullName).Replace('\\', '/'));
                }
            }
        }

        result.Sort(StringComparer.Ordinal);
        return result;
    }

    private static bool IsBinary(byte[] bytes) => bytes.AsSpan(0, Math.Min(bytes.Length, 8000)).Contains((byte)0);

    [GeneratedRegex(@"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])")]
    private static partial Regex AwsKey();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])(?:sk|rk)_live_[A-Za-z0-9]{24,}")]
    private static partial Regex StripeKey();

    [GeneratedRegex(@"(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{32,}")]
    private static partial Regex OpenAiKey();

    [GeneratedRegex(@"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+")]
    private static partial Regex SlackWebhook();

    [GeneratedRegex(@"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----")]
    private static partial Regex PrivateKey();

    [GeneratedRegex(@"\b(?:jwt_secret|JWT_SECRET|jwtSecret|JwtSecret)\b[""']?\s*(?:[:=]|\|\||\?\?)\s*(?<quote>[""'`])(?<value>[^""'`\s]{8,})\k<quote>")]
    private static partial Regex JwtSecret();
}

/// <summary>
/// The allow-list: one entry per line, <c>path:line:rule</c>, <c>path:rule</c> or a SHA-256 fingerprint; '#' starts a comment.
/// </summary>
public sealed partial class AllowList
{
    private readonly List<string> _entries = [];

    public static AllowList Load(string path)
    {
        var list = new AllowList();
        if (!File.Exists(path))
        {
            return list;
        }

        var number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            var hash = raw.IndexOf('#', StringComparison.Ordinal);
            var line = (hash >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (!Fingerprint().IsMatch(line) && !line.Contains(':', StringComparison.Ordinal))
            {
                throw new FormatException($"line {number}: '{line}' is neither 'path:line:rule', 'path:rule' nor a 64-character SHA-256 fingerprint.");
            }

            var rule = line[(line.LastIndexOf(':') + 1)..];
            if (!Fingerprint().IsMatch(line) && !SecretScan.RuleNames.Contains(rule))
            {
                throw new FormatException($"line {number}: unknown rule '{rule}' (rules: {string.Join(", ", SecretScan.RuleNames)}).");
            }

            list._entries.Add(line);
        }

        return list;
    }

    public bool Allows(SecretFinding finding) => _entries.Any(e => Matches(e, finding));

    public IEnumerable<string> Unused(IReadOnlyList<SecretFinding> findings) => _entries.Where(e => !findings.Any(f => Matches(e, f)));

    private static bool Matches(string entry, SecretFinding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        if (Fingerprint().IsMatch(entry))
        {
            return string.Equals(entry, finding.Fingerprint, StringComparison.OrdinalIgnoreCase);
        }

        return string.Equals(entry, $"{finding.File}:{finding.Line}:{finding.Rule}", StringComparison.Ordinal)
            || string.Equals(entry, $"{finding.File}:{finding.Rule}", StringComparison.Ordinal);
    }

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Fingerprint();
}
