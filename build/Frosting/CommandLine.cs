using Cake.Core.Diagnostics;

namespace Cake.Frosting;

/// <summary>What the user asked the host to do.</summary>
internal enum HostMode
{
    Run,
    DryRun,
    Tree,
    Description,
    Version,
    Info,
    Help,
}

/// <summary>The parsed command line: host options and the remaining build arguments.</summary>
internal sealed record CommandLine(
    HostMode Mode,
    IReadOnlyList<string> Targets,
    Verbosity Verbosity,
    bool Exclusive,
    string? WorkingDirectory,
    IReadOnlyList<string> Skip,
    IReadOnlyDictionary<string, List<string>> Arguments)
{
    private static readonly string[] VerbosityNames = ["quiet", "minimal", "normal", "verbose", "diagnostic"];

    /// <summary>Options the host itself understands; everything else is a build argument.</summary>
    internal static readonly IReadOnlyList<(string Name, string? Short, string Help)> HostOptions =
    [
        ("target", "t", "Target task to run (repeatable). Default: Default"),
        ("verbosity", "v", "quiet, minimal, normal, verbose or diagnostic. Default: normal"),
        ("dryrun", null, "Show what would run, run nothing (also --dry-run, --whatif)"),
        ("exclusive", "e", "Run the target without its dependencies"),
        ("skip", null, "Comma-separated tasks to skip; their dependents still run"),
        ("tree", null, "Print the dependency tree of the target"),
        ("description", null, "Print every task with its description"),
        ("working", "w", "Working directory of the build"),
        ("version", null, "Print the version of the build tool"),
        ("info", null, "Print information about the build tool and runtime"),
        ("help", "h", "Print this help"),
    ];

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["t"] = "target",
        ["v"] = "verbosity",
        ["e"] = "exclusive",
        ["w"] = "working",
        ["h"] = "help",
        ["?"] = "help",
        ["dry-run"] = "dryrun",
        ["whatif"] = "dryrun",
        ["noop"] = "dryrun",
        ["descriptions"] = "description",
        ["showdescription"] = "description",
        ["showtree"] = "tree",
    };

    private static readonly HashSet<string> Flags = new(StringComparer.OrdinalIgnoreCase)
    {
        "dryrun", "exclusive", "tree", "description", "version", "info", "help",
    };

    public static CommandLine Parse(IEnumerable<string> args)
    {
        var targets = new List<string>();
        var skip = new List<string>();
        var arguments = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var verbosity = Verbosity.Normal;
        var mode = HostMode.Run;
        var exclusive = false;
        string? working = null;

        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var token = list[i];
            if (!token.StartsWith('-') || token == "-" || token == "--")
            {
                throw new UsageException($"Unexpected argument '{token}'. Options look like --name=value; a target is given with --target=<name>.");
            }

            var body = token.TrimStart('-');
            string name;
            string? value = null;
            var eq = body.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                name = body[..eq];
                value = body[(eq + 1)..];
            }
            else
            {
                name = body;
            }

            if (name.Length == 0)
            {
                throw new UsageException($"Malformed option '{token}'.");
            }

            var canonical = Aliases.TryGetValue(name, out var alias) ? alias : name.ToLowerInvariant();
            var isFlag = Flags.Contains(canonical);
            if (value is null && !isFlag && i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = list[++i];
            }

            switch (canonical)
            {
                case "target":
                    targets.Add(RequireValue(token, value));
                    break;
                case "verbosity":
                    verbosity = ParseVerbosity(RequireValue(token, value));
                    break;
                case "working":
                    working = RequireValue(token, value);
                    break;
                case "skip":
                    skip.AddRange(RequireValue(token, value).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case "exclusive":
                    exclusive = ParseFlag(token, value);
                    break;
                case "dryrun":
                    mode = ParseFlag(token, value) ? Pick(mode, HostMode.DryRun) : mode;
                    break;
                case "tree":
                    mode = ParseFlag(token, value) ? Pick(mode, HostMode.Tree) : mode;
                    break;
                case "description":
                    mode = ParseFlag(token, value) ? Pick(mode, HostMode.Description) : mode;
                    break;
                case "version":
                    mode = ParseFlag(token, value) ? Pick(mode, HostMode.Version) : mode;
                    break;
                case "info":
                    mode = ParseFlag(token, value) ? Pick(mode, HostMode.Info) : mode;
                    break;
                case "help":
                    mode = HostMode.Help;
                    break;
                default:
                    if (!arguments.TryGetValue(name, out var values))
                    {
                        values = [];
                        arguments[name] = values;
                    }

                    values.Add(value ?? "true");
                    break;
            }
        }

        if (targets.Count == 0)
        {
            targets.Add("Default");
        }

        return new CommandLine(mode, targets, verbosity, exclusive, working, skip, arguments);
    }

    private static HostMode Pick(HostMode current, HostMode wanted)
    {
        if (current is HostMode.Run or HostMode.Help || current == wanted)
        {
            return current == HostMode.Help ? current : wanted;
        }

        throw new UsageException($"--{Describe(current)} and --{Describe(wanted)} cannot be combined.");
    }

    private static string Describe(HostMode mode) => mode switch
    {
        HostMode.DryRun => "dryrun",
        _ => mode.ToString().ToLowerInvariant(),
    };

    private static string RequireValue(string token, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new UsageException($"Option '{token}' needs a value.");
        }

        return value;
    }

    private static bool ParseFlag(string token, string? value)
    {
        if (value is null)
        {
            return true;
        }

        return bool.TryParse(value, out var parsed)
            ? parsed
            : throw new UsageException($"Option '{token}' takes true or false, not '{value}'.");
    }

    internal static Verbosity ParseVerbosity(string value)
    {
        var lowered = value.ToLowerInvariant();
        var match = VerbosityNames.FirstOrDefault(n => n == lowered)
            ?? VerbosityNames.FirstOrDefault(n => lowered.Length == 1 && n[0] == lowered[0]);
        return match switch
        {
            "quiet" => Verbosity.Quiet,
            "minimal" => Verbosity.Minimal,
            "normal" => Verbosity.Normal,
            "verbose" => Verbosity.Verbose,
            "diagnostic" => Verbosity.Diagnostic,
            _ => throw new UsageException($"Unknown verbosity '{value}'. Valid values: {string.Join(", ", VerbosityNames)}."),
        };
    }
}

/// <summary>A usage or configuration error: exit code 2, one line, no task runs.</summary>
public sealed class UsageException(string message) : Exception(message);
