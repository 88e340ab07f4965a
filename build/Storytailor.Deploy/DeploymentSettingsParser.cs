using System.Globalization;

namespace Storytailor.Deploy;

/// <summary>
/// Reads <see cref="DeploymentEnvironmentSettings"/> from a flat key/value section, as cake.config's
/// <c>[Deploy.Production]</c> gives it (keys case-insensitive). Unknown keys are errors (they are typos).
/// Defaults: staging deploys to the workspace "staging"; production has blue ("prod-blue") and green
/// ("prod-green"). Colour keys are prefixed: <c>Blue.Endpoint</c>, <c>Green.Functions</c> (comma separated), …
/// </summary>
public static class DeploymentSettingsParser
{
    /// <summary>Every key the parser understands, with its meaning (for --help and documentation).</summary>
    public static IReadOnlyDictionary<string, string> Keys { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["Domain"] = "public DNS name of the environment (the record switched between colours)",
        ["HostedZoneIdSecret"] = "name of the secret holding the Route 53 hosted zone id (default ROUTE53_HOSTED_ZONE_ID)",
        ["RecordType"] = "type of the public record (CNAME)",
        ["RecordTtl"] = "TTL of the public record in seconds (default 60)",
        ["Workspace"] = "Terraform workspace of an environment without colours (staging: staging)",
        ["ApiKeySecret"] = "name of the API key secret used by smoke checks (default API_KEY)",
        ["P95Ms"] = "p95 latency limit in ms (default 800)",
        ["ErrorRatePercent"] = "5XX rate limit in percent (default 1)",
        ["ColdStartMs"] = "Lambda init duration limit in ms (default 150)",
        ["LambdaP95Ms"] = "Lambda Duration p95 limit in ms per function (default 800)",
        ["ApiType"] = "API Gateway type of the colours: http (HTTP API: ApiId/Stage, 5xx) or rest (REST API: ApiName/Stage, 5XXError) (default http)",
        ["MetricPeriod"] = "CloudWatch period of the monitoring queries; samples are aligned to it (default 1m)",
        ["MetricDelay"] = "how long after a period ends its metrics are read (default 1m)",
        ["MonitoringExtension"] = "longest extension of a window ending on an open breach streak (default 5m)",
        ["NoTrafficSamples"] = "samples in a row without a request count on the new colour before that is a breach (default 2)",
        ["MissingRequests"] = "missing-data rule of the request count: breaching, notBreaching or ignore (default breaching)",
        ["MissingLatency"] = "missing-data rule of the API p95 latency while requests are counted (default breaching)",
        ["MissingErrorRate"] = "missing-data rule of the API 5XX count while requests are counted (default breaching)",
        ["MissingLambdaErrors"] = "missing-data rule of Lambda Errors (default notBreaching)",
        ["MissingLambdaThrottles"] = "missing-data rule of Lambda Throttles (default notBreaching)",
        ["MissingLambdaDuration"] = "missing-data rule of Lambda Duration p95 (default ignore)",
        ["MissingColdStarts"] = "missing-data rule of cold starts when neither Lambda Insights nor Logs Insights measures them (default ignore)",
        ["MonitoringWindow"] = "how long the new colour is watched after the switch (default 15m)",
        ["PollInterval"] = "time between monitoring samples (default 1m, one CloudWatch period)",
        ["ConsecutiveBreaches"] = "consecutive breaching samples before automatic rollback (default 2)",
        ["LockStaleAfter"] = "age after which a deployment lock is reported stale (default 2h)",
        ["DnsSyncTimeout"] = "how long a DNS change may stay PENDING before the switch is reverted (default 5m)",
        ["DnsPollInterval"] = "time between GetChange polls (default 5s)",
        ["CleanupMaxRequests"] = "most requests the old colour may still serve before it may be destroyed (default 5)",
        ["CleanupTrafficWindow"] = "period over which the old colour's requests are counted (default 5m)",
        ["<Colour>.Workspace"] = "Terraform workspace of the colour (prod-blue, prod-green)",
        ["<Colour>.Endpoint"] = "host name the public record points to when the colour is live",
        ["<Colour>.ApiName"] = "REST API name of the colour when its stack has no api_name output (default storytailor-<workspace>)",
        ["<Colour>.Stage"] = "API Gateway stage when its stack has no api_stage output (default v1)",
        ["<Colour>.AlarmPrefix"] = "prefix of the colour's CloudWatch alarms (default storytailor-<workspace>-)",
        ["<Colour>.Functions"] = "comma-separated Lambda function names of the colour",
    };

    private static readonly string[] ColourKeys = ["Workspace", "Endpoint", "ApiName", "Stage", "AlarmPrefix", "Functions"];

    /// <summary>Parses and validates; throws <see cref="DeploymentSettingsException"/> listing every problem.</summary>
    public static DeploymentEnvironmentSettings Parse(string environment, IReadOnlyDictionary<string, string?> values)
    {
        var settings = TryParse(environment, values, out var problems);
        return problems.Count == 0 && settings is not null ? settings : throw new DeploymentSettingsException(environment, problems);
    }

    /// <summary>Parses and validates; returns null with every problem (parse errors and validation) when unusable.</summary>
    public static DeploymentEnvironmentSettings? TryParse(string environment, IReadOnlyDictionary<string, string?> values, out IReadOnlyList<string> problems)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(environment);
        ArgumentNullException.ThrowIfNull(values);
        var found = new List<string>();
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in values)
        {
            var name = key.Trim();
            if (!IsKnown(name))
            {
                found.Add($"{name}: unknown setting (known: {string.Join(", ", Keys.Keys)}).");
                continue;
            }

            if (!string.IsNullOrWhiteSpace(value))
            {
                map[name] = value.Trim();
            }
        }

        var isProduction = string.Equals(environment, DeploymentEnvironmentSettings.Production, StringComparison.OrdinalIgnoreCase);
        var reader = new Reader(map, found);
        var defaults = new DeploymentEnvironmentSettings { Name = environment, Domain = string.Empty };
        var thresholds = new DeploymentThresholds
        {
            P95Ms = reader.Number("P95Ms", defaults.Thresholds.P95Ms),
            ErrorRatePercent = reader.Number("ErrorRatePercent", defaults.Thresholds.ErrorRatePercent),
            ColdStartMs = reader.Number("ColdStartMs", defaults.Thresholds.ColdStartMs),
            LambdaP95Ms = reader.Number("LambdaP95Ms", defaults.Thresholds.LambdaP95Ms),
        };
        var rules = defaults.MissingData;
        foreach (var key in MissingDataRules.Keys.Keys)
        {
            if (reader.Text(key) is { } text)
            {
                if (MissingDataRules.TryParse(text, out var rule))
                {
                    rules = rules.With(key, rule);
                }
                else
                {
                    found.Add($"{key}: '{text}' is not a missing-data rule (breaching, notBreaching or ignore).");
                }
            }
        }

        var apiType = defaults.ApiType;
        if (reader.Text("ApiType") is { } typeText)
        {
            if (!Enum.TryParse(typeText, ignoreCase: true, out apiType) || !Enum.IsDefined(apiType))
            {
                found.Add($"ApiType: '{typeText}' is not an API Gateway type (http or rest).");
                apiType = defaults.ApiType;
            }
        }


        var hasColourKeys = map.Keys.Any(k => k.Contains('.', StringComparison.Ordinal));
        var colours = isProduction || hasColourKeys
            ? Enum.GetValues<DeploymentColour>().Select(c => ReadColour(reader, c, isProduction ? $"prod-{c.Name()}" : null)).OfType<ColourTarget>().ToList()
            : [];
        var workspace = reader.Text("Workspace") ?? (colours.Count == 0 ? (isProduction ? null : environment.ToLowerInvariant()) : null);

        var settings = new DeploymentEnvironmentSettings
        {
            Name = environment,
            Domain = reader.Text("Domain") ?? string.Empty,
            HostedZoneIdSecret = reader.Text("HostedZoneIdSecret") ?? defaults.HostedZoneIdSecret,
            RecordType = (reader.Text("RecordType") ?? defaults.RecordType).ToUpperInvariant(),
            RecordTtl = (long)reader.Number("RecordTtl", defaults.RecordTtl),
            Workspace = workspace,
            Colours = colours,
            ApiKeySecret = reader.Text("ApiKeySecret") ?? defaults.ApiKeySecret,
            Thresholds = thresholds,
            MonitoringWindow = reader.Duration("MonitoringWindow", defaults.MonitoringWindow),
            PollInterval = reader.Duration("PollInterval", defaults.PollInterval),
            ConsecutiveBreaches = (int)reader.Number("ConsecutiveBreaches", defaults.ConsecutiveBreaches),
            ApiType = apiType,
            MetricPeriod = reader.Duration("MetricPeriod", defaults.MetricPeriod),
            MetricDelay = reader.Duration("MetricDelay", defaults.MetricDelay),
            MonitoringExtension = reader.Duration("MonitoringExtension", defaults.MonitoringExtension),
            NoTrafficSamples = (int)reader.Number("NoTrafficSamples", defaults.NoTrafficSamples),
            MissingData = rules,
            LockStaleAfter = reader.Duration("LockStaleAfter", defaults.LockStaleAfter),
            DnsSyncTimeout = reader.Duration("DnsSyncTimeout", defaults.DnsSyncTimeout),
            DnsPollInterval = reader.Duration("DnsPollInterval", defaults.DnsPollInterval),
            CleanupMaxRequests = reader.Number("CleanupMaxRequests", defaults.CleanupMaxRequests),
            CleanupTrafficWindow = reader.Duration("CleanupTrafficWindow", defaults.CleanupTrafficWindow),
        };

        found.AddRange(settings.Validate());
        problems = found;
        return found.Count == 0 ? settings : null;
    }

    private static ColourTarget? ReadColour(Reader reader, DeploymentColour colour, string? defaultWorkspace)
    {
        var prefix = colour + ".";
        var workspace = reader.Text(prefix + "Workspace") ?? defaultWorkspace;
        var endpoint = reader.Text(prefix + "Endpoint");
        if (workspace is null && endpoint is null)
        {
            return null;
        }

        var target = new ColourTarget(colour, workspace ?? string.Empty, endpoint ?? string.Empty);
        return target with
        {
            ApiName = reader.Text(prefix + "ApiName") ?? target.ApiName,
            Stage = reader.Text(prefix + "Stage") ?? target.Stage,
            AlarmPrefix = reader.Text(prefix + "AlarmPrefix") ?? target.AlarmPrefix,
            Functions = reader.Text(prefix + "Functions") is { } list
                ? [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]
                : [],
        };
    }

    private static bool IsKnown(string key)
    {
        if (Keys.ContainsKey(key) && !key.StartsWith('<'))
        {
            return true;
        }

        var dot = key.IndexOf('.', StringComparison.Ordinal);
        return dot > 0
            && Enum.TryParse<DeploymentColour>(key[..dot], ignoreCase: true, out _)
            && ColourKeys.Contains(key[(dot + 1)..], StringComparer.OrdinalIgnoreCase);
    }

    private sealed class Reader(Dictionary<string, string> map, List<string> problems)
    {
        public string? Text(string key) => map.TryGetValue(key, out var value) ? value : null;

        public double Number(string key, double fallback)
        {
            if (Text(key) is not { } text)
            {
                return fallback;
            }

            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            problems.Add($"{key}: '{text}' is not a number.");
            return fallback;
        }

        public TimeSpan Duration(string key, TimeSpan fallback)
        {
            if (Text(key) is not { } text)
            {
                return fallback;
            }

            if (Durations.TryParse(text, out var value))
            {
                return value;
            }

            problems.Add($"{key}: '{text}' is not a duration (use e.g. 15m, 30s, 2h, 500ms or 00:15:00).");
            return fallback;
        }
    }
}
