using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Storytailor.Load;

/// <summary>One kind of request in the mix. Header values may reference secrets as <c>${NAME}</c>.</summary>
public sealed record ScenarioRequest(string Name, string Method, string Path)
{
    public int Weight { get; init; } = 1;

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public string? Body { get; init; }
}

/// <summary>A request mix and named profiles, as read from <c>testing/load/scenarios.yml</c>.</summary>
public sealed record Scenario(IReadOnlyList<ScenarioRequest> Requests, IReadOnlyDictionary<string, LoadProfile> Profiles)
{
    public LoadProfile Profile(string name) =>
        Profiles.TryGetValue(name, out var profile)
            ? profile
            : throw new LoadConfigurationException($"Unknown load profile '{name}'; known profiles: {string.Join(", ", Profiles.Keys.Order(StringComparer.Ordinal))}.");
}

/// <summary>The profiles of the spec, used when the scenario file does not redefine them.</summary>
public static class StandardProfiles
{
    public static IReadOnlyList<Threshold> GateThresholds { get; } =
    [
        Threshold.Parse(LoadMetrics.Duration, "p(95)<800"),
        Threshold.Parse(LoadMetrics.Failed, "rate<0.01"),
    ];

    /// <summary>Staging: 50 virtual users for 5 minutes.</summary>
    public static LoadProfile Staging { get; } = new("staging", LoadModel.Closed, TimeSpan.FromMinutes(5))
    {
        VirtualUsers = 50,
        ThinkTime = TimeSpan.FromSeconds(1),
        WarmUp = TimeSpan.FromSeconds(10),
        Thresholds = GateThresholds,
    };

    /// <summary>Production green test: 500 requests per second for 5 minutes.</summary>
    public static LoadProfile Production { get; } = new("production", LoadModel.Open, TimeSpan.FromMinutes(5))
    {
        Rate = 500,
        MaxInFlight = 1000,
        WarmUp = TimeSpan.FromSeconds(10),
        Thresholds = [.. GateThresholds, Threshold.Parse(LoadMetrics.Dropped, "count<1")],
    };

    /// <summary>Ci performance baseline: short open-model run.</summary>
    public static LoadProfile Baseline { get; } = new("baseline", LoadModel.Open, TimeSpan.FromSeconds(10))
    {
        Rate = 50,
        MaxInFlight = 200,
        WarmUp = TimeSpan.FromSeconds(2),
        Thresholds = GateThresholds,
    };

    public static IReadOnlyDictionary<string, LoadProfile> All { get; } = new Dictionary<string, LoadProfile>(StringComparer.Ordinal)
    {
        [Staging.Name] = Staging,
        [Production.Name] = Production,
        [Baseline.Name] = Baseline,
    };
}

/// <summary>Reads scenario files (YAML). Every problem names the file and, where known, the line.</summary>
public static partial class ScenarioFile
{
    public const string DefaultRelativePath = "testing/load/scenarios.yml";

    public static Scenario Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new LoadConfigurationException($"Scenario file '{path}' does not exist.");
        }

        return Parse(File.ReadAllText(path), path);
    }

    public static Scenario Parse(string yaml, string source = "scenarios.yml")
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StringReader(yaml);
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new LoadConfigurationException($"{source}:{ex.Start.Line}: not valid YAML: {ex.Message}", ex);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new LoadConfigurationException($"{source}: expected a mapping with 'requests' (and optionally 'profiles').");
        }

        var requests = new List<ScenarioRequest>();
        if (Child(root, "requests") is not YamlSequenceNode requestNodes || requestNodes.Children.Count == 0)
        {
            throw new LoadConfigurationException($"{source}: 'requests' must list at least one request.");
        }

        foreach (var node in requestNodes)
        {
            requests.Add(ParseRequest(node, source));
        }

        var profiles = new Dictionary<string, LoadProfile>(StandardProfiles.All, StringComparer.Ordinal);
        if (Child(root, "profiles") is YamlMappingNode profileNodes)
        {
            foreach (var (key, value) in profileNodes.Children)
            {
                var name = ((YamlScalarNode)key).Value ?? string.Empty;
                profiles.TryGetValue(name, out var basis);
                profiles[name] = ParseProfile(name, value, basis, source);
            }
        }

        return new Scenario(requests, profiles);
    }

    private static ScenarioRequest ParseRequest(YamlNode node, string source)
    {
        var where = $"{source}:{node.Start.Line}";
        if (node is not YamlMappingNode map)
        {
            throw new LoadConfigurationException($"{where}: each request must be a mapping with method and path.");
        }

        var method = Scalar(map, "method", where)?.ToUpperInvariant() ?? "GET";
        var path = Scalar(map, "path", where) ?? throw new LoadConfigurationException($"{where}: request has no 'path'.");
        if (!path.StartsWith('/'))
        {
            throw new LoadConfigurationException($"{where}: path '{path}' must start with '/'.");
        }

        var weight = 1;
        if (Scalar(map, "weight", where) is { } weightText && (!int.TryParse(weightText, NumberStyles.Integer, CultureInfo.InvariantCulture, out weight) || weight < 0))
        {
            throw new LoadConfigurationException($"{where}: weight '{weightText}' must be a whole number >= 0.");
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (Child(map, "headers") is YamlMappingNode headerNodes)
        {
            foreach (var (key, value) in headerNodes.Children)
            {
                headers[((YamlScalarNode)key).Value ?? string.Empty] = (value as YamlScalarNode)?.Value ?? string.Empty;
            }
        }

        return new ScenarioRequest(Scalar(map, "name", where) ?? $"{method} {path}", method, path)
        {
            Weight = weight,
            Headers = headers,
            Body = Scalar(map, "body", where),
        };
    }

    private static LoadProfile ParseProfile(string name, YamlNode node, LoadProfile? basis, string source)
    {
        var where = $"{source}:{node.Start.Line}";
        if (node is not YamlMappingNode map)
        {
            throw new LoadConfigurationException($"{where}: profile '{name}' must be a mapping.");
        }

        var model = Scalar(map, "model", where) switch
        {
            null => basis?.Model ?? LoadModel.Open,
            "open" => LoadModel.Open,
            "closed" => LoadModel.Closed,
            var other => throw new LoadConfigurationException($"{where}: profile '{name}' has model '{other}'; use 'open' or 'closed'."),
        };
        var profile = (basis ?? new LoadProfile(name, model, TimeSpan.FromSeconds(10))) with { Name = name, Model = model };
        if (Scalar(map, "duration", where) is { } duration)
        {
            profile = profile with { Duration = ParseDuration(duration, where) };
        }

        if (Scalar(map, "warmUp", where) is { } warmUp)
        {
            profile = profile with { WarmUp = ParseDuration(warmUp, where) };
        }

        if (Scalar(map, "thinkTime", where) is { } think)
        {
            profile = profile with { ThinkTime = ParseDuration(think, where) };
        }

        if (Scalar(map, "timeout", where) is { } timeout)
        {
            profile = profile with { RequestTimeout = ParseDuration(timeout, where) };
        }

        if (Scalar(map, "rate", where) is { } rate)
        {
            profile = profile with { Rate = ParseNumber(rate, "rate", where) };
        }

        if (Scalar(map, "vus", where) is { } vus)
        {
            profile = profile with { VirtualUsers = (int)ParseNumber(vus, "vus", where) };
        }

        if (Scalar(map, "maxInFlight", where) is { } maxInFlight)
        {
            profile = profile with { MaxInFlight = (int)ParseNumber(maxInFlight, "maxInFlight", where) };
        }

        if (Child(map, "thresholds") is YamlMappingNode thresholdNodes)
        {
            profile = profile with { Thresholds = ParseThresholds(thresholdNodes, source) };
        }

        profile.Validate();
        return profile;
    }

    /// <summary>k6's threshold block: metric → list of expressions or {threshold, abortOnFail}.</summary>
    private static List<Threshold> ParseThresholds(YamlMappingNode map, string source)
    {
        var result = new List<Threshold>();
        foreach (var (key, value) in map.Children)
        {
            var metric = ((YamlScalarNode)key).Value ?? string.Empty;
            var items = value is YamlSequenceNode sequence ? sequence.Children : [value];
            foreach (var item in items)
            {
                var where = $"{source}:{item.Start.Line}";
                try
                {
                    result.Add(item switch
                    {
                        YamlScalarNode scalar => Threshold.Parse(metric, scalar.Value ?? string.Empty),
                        YamlMappingNode entry => Threshold.Parse(
                            metric,
                            Scalar(entry, "threshold", where) ?? throw new LoadConfigurationException($"threshold entry for '{metric}' has no 'threshold'."),
                            string.Equals(Scalar(entry, "abortOnFail", where), "true", StringComparison.OrdinalIgnoreCase)),
                        _ => throw new LoadConfigurationException($"threshold for '{metric}' must be a string or a mapping."),
                    });
                }
                catch (LoadConfigurationException ex)
                {
                    throw new LoadConfigurationException($"{where}: {ex.Message}", ex);
                }
            }
        }

        return result;
    }

    /// <summary>Parses k6-style durations: <c>500ms</c>, <c>10s</c>, <c>5m</c>, <c>1h</c>, <c>1m30s</c>.</summary>
    public static TimeSpan ParseDuration(string text, string where = "duration")
    {
        ArgumentNullException.ThrowIfNull(text);
        var matches = DurationPart().Matches(text.Trim());
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != text.Trim())
        {
            throw new LoadConfigurationException($"{where}: duration '{text}' is malformed; use e.g. 500ms, 10s, 5m, 1m30s.");
        }

        var total = TimeSpan.Zero;
        foreach (Match match in matches)
        {
            var value = double.Parse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
            total += match.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(value),
                "s" => TimeSpan.FromSeconds(value),
                "m" => TimeSpan.FromMinutes(value),
                _ => TimeSpan.FromHours(value),
            };
        }

        return total;
    }

    private static double ParseNumber(string text, string field, string where) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new LoadConfigurationException($"{where}: {field} '{text}' must be a positive number.");

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    private static string? Scalar(YamlMappingNode map, string key, string where) => Child(map, key) switch
    {
        null => null,
        YamlScalarNode scalar => scalar.Value,
        _ => throw new LoadConfigurationException($"{where}: '{key}' must be a single value."),
    };

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ms|s|m|h)")]
    private static partial Regex DurationPart();
}
