using System.Globalization;
using System.Text.RegularExpressions;

namespace Storytailor.Deploy;

/// <summary>The two colours of a blue/green environment.</summary>
public enum DeploymentColour
{
    Blue,
    Green,
}

public static class DeploymentColours
{
    /// <summary>The other colour: the idle one when <paramref name="colour"/> is live.</summary>
    public static DeploymentColour Other(this DeploymentColour colour) =>
        colour == DeploymentColour.Blue ? DeploymentColour.Green : DeploymentColour.Blue;

    public static string Name(this DeploymentColour colour) => colour == DeploymentColour.Blue ? "blue" : "green";
}

/// <summary>
/// One colour of a blue/green environment: its Terraform workspace, the host name the public record points
/// to when it is live (the CNAME target), and where its metrics and alarms are found.
/// </summary>
public sealed record ColourTarget(DeploymentColour Colour, string Workspace, string Endpoint)
{
    /// <summary>API Gateway ApiName of this colour's REST API, used only when its stack has no API identity outputs.</summary>
    public string ApiName { get; init; } = $"storytailor-{Workspace}";

    /// <summary>API Gateway stage name.</summary>
    public string Stage { get; init; } = "v1";

    /// <summary>CloudWatch alarms of this colour start with this prefix.</summary>
    public string AlarmPrefix { get; init; } = $"storytailor-{Workspace}-";

    /// <summary>The Lambda function names of this colour (errors, throttles, init duration are read per function).</summary>
    public IReadOnlyList<string> Functions { get; init; } = [];
}

/// <summary>Health limits for monitoring (defaults from the spec).</summary>
public sealed record DeploymentThresholds
{
    /// <summary>API p95 latency limit in milliseconds.</summary>
    public double P95Ms { get; init; } = 800;

    /// <summary>5XX responses as a percentage of requests.</summary>
    public double ErrorRatePercent { get; init; } = 1.0;

    /// <summary>Lambda init duration (cold start) limit in milliseconds.</summary>
    public double ColdStartMs { get; init; } = 150;

    /// <summary>Lambda Duration p95 limit in milliseconds, per function.</summary>
    public double LambdaP95Ms { get; init; } = 800;
}

/// <summary>Settings that cannot be used; the message lists every problem.</summary>
public sealed class DeploymentSettingsException(string environment, IReadOnlyList<string> problems)
    : Exception($"The deployment settings of '{environment}' are invalid:\n  - {string.Join("\n  - ", problems)}")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Everything a deployment of one environment needs to know about it. Staging has a single Terraform
/// workspace; production has two colours and switches the public DNS record between them.
/// </summary>
public sealed partial record DeploymentEnvironmentSettings
{
    public const string Staging = "staging";
    public const string Production = "production";

    /// <summary>Environment name ("staging", "production").</summary>
    public required string Name { get; init; }

    /// <summary>The public DNS name clients use (the record the blue/green switch changes).</summary>
    public required string Domain { get; init; }

    /// <summary>Name of the secret holding the Route 53 hosted zone id (the value is resolved by the caller).</summary>
    public string HostedZoneIdSecret { get; init; } = "ROUTE53_HOSTED_ZONE_ID";

    /// <summary>Record type of the public record. Only CNAME is supported: colours are told apart by target.</summary>
    public string RecordType { get; init; } = "CNAME";

    /// <summary>TTL of the public record in seconds.</summary>
    public long RecordTtl { get; init; } = 60;

    /// <summary>The single Terraform workspace of an environment without colours (staging).</summary>
    public string? Workspace { get; init; }

    /// <summary>Blue and green, for a blue/green environment; empty otherwise.</summary>
    public IReadOnlyList<ColourTarget> Colours { get; init; } = [];

    /// <summary>Name of the secret holding the API key the smoke checks send.</summary>
    public string ApiKeySecret { get; init; } = "API_KEY";

    public DeploymentThresholds Thresholds { get; init; } = new();

    /// <summary>How long the new colour is watched after the switch.</summary>
    public TimeSpan MonitoringWindow { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Time between two monitoring samples.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Consecutive breaching samples that trigger the automatic rollback.</summary>
    public int ConsecutiveBreaches { get; init; } = 2;

    /// <summary>The kind of API Gateway API of the colours (namespace, metric names and dimensions follow).</summary>
    public Storytailor.Aws.ApiGatewayType ApiType { get; init; } = Storytailor.Aws.ApiGatewayType.Http;

    /// <summary>CloudWatch period of the monitoring queries; samples are aligned to it and the poll interval is a whole multiple of it.</summary>
    public TimeSpan MetricPeriod { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long after a period ends its data is read (CloudWatch publishes API Gateway and Lambda metrics with a delay).</summary>
    public TimeSpan MetricDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Longest extension of a window that ends on an open breach streak (the streak must reach the rollback count or clear).</summary>
    public TimeSpan MonitoringExtension { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Samples in a row without a request count on the new colour before that is a breach.</summary>
    public int NoTrafficSamples { get; init; } = 2;

    /// <summary>What missing data means, per metric.</summary>
    public MissingDataRules MissingData { get; init; } = new();

    /// <summary>A lock older than this is reported as stale (never taken over).</summary>
    public TimeSpan LockStaleAfter { get; init; } = TimeSpan.FromHours(2);

    /// <summary>How long a DNS change may stay PENDING before the switch is reverted.</summary>
    public TimeSpan DnsSyncTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Time between two GetChange polls.</summary>
    public TimeSpan DnsPollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The old colour may be destroyed only when it served at most this many requests over <see cref="CleanupTrafficWindow"/>.</summary>
    public double CleanupMaxRequests { get; init; } = 5;

    /// <summary>The period over which the old colour's traffic is read before cleanup.</summary>
    public TimeSpan CleanupTrafficWindow { get; init; } = TimeSpan.FromMinutes(5);

    public bool IsBlueGreen => Colours.Count > 0;

    /// <summary>The colour's settings; throws when the environment has no such colour.</summary>
    public ColourTarget ColourOf(DeploymentColour colour) =>
        Colours.FirstOrDefault(c => c.Colour == colour)
        ?? throw new InvalidOperationException($"The environment '{Name}' has no {colour.Name()} colour configured.");

    /// <summary>The colour whose endpoint is <paramref name="target"/> (trailing dots and case ignored), or null.</summary>
    public DeploymentColour? ColourForTarget(string? target)
    {
        if (string.IsNullOrWhiteSpace(target))
        {
            return null;
        }

        var wanted = NormalizeHost(target);
        return Colours.FirstOrDefault(c => NormalizeHost(c.Endpoint) == wanted)?.Colour;
    }

    /// <summary>Lower case, without trailing dot.</summary>
    public static string NormalizeHost(string host) => host.Trim().TrimEnd('.').ToLowerInvariant();

    /// <summary>Every problem of these settings at once (empty when usable).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Name))
        {
            problems.Add("Name: the environment needs a name.");
        }

        if (string.IsNullOrWhiteSpace(Domain))
        {
            problems.Add("Domain: required (the public DNS name of the environment, e.g. api.storytailor.com).");
        }
        else if (!IsHostName(Domain))
        {
            problems.Add($"Domain: '{Domain}' is not a DNS name (e.g. api.storytailor.com).");
        }

        if (!string.Equals(RecordType, "CNAME", StringComparison.Ordinal))
        {
            problems.Add($"RecordType: '{RecordType}' is not supported; the blue/green switch needs a CNAME record.");
        }

        if (RecordTtl is < 1 or > 86400)
        {
            problems.Add($"RecordTtl: {RecordTtl} s is outside 1..86400.");
        }

        if (string.IsNullOrWhiteSpace(ApiKeySecret))
        {
            problems.Add("ApiKeySecret: the name of the API key secret is empty.");
        }

        ValidateTopology(problems);
        ValidateThresholds(problems);
        ValidateTiming(problems);
        return problems;
    }

    /// <summary>Throws <see cref="DeploymentSettingsException"/> listing every problem.</summary>
    public DeploymentEnvironmentSettings EnsureValid()
    {
        var problems = Validate();
        return problems.Count == 0 ? this : throw new DeploymentSettingsException(Name, problems);
    }

    private void ValidateTopology(List<string> problems)
    {
        if (Colours.Count == 0)
        {
            if (string.IsNullOrWhiteSpace(Workspace))
            {
                problems.Add("Workspace: an environment without colours needs its Terraform workspace (e.g. staging).");
            }

            return;
        }

        if (Workspace is not null)
        {
            problems.Add("Workspace: a blue/green environment deploys to its colours' workspaces; remove Workspace or the colours.");
        }

        if (HostedZoneIdSecret is null || string.IsNullOrWhiteSpace(HostedZoneIdSecret))
        {
            problems.Add("HostedZoneIdSecret: a blue/green environment needs the name of the hosted zone id secret.");
        }

        foreach (var colour in Enum.GetValues<DeploymentColour>())
        {
            var matching = Colours.Where(c => c.Colour == colour).ToList();
            if (matching.Count != 1)
            {
                problems.Add($"{Title(colour)}: expected exactly one {colour.Name()} colour, found {matching.Count}.");
                continue;
            }

            var target = matching[0];
            if (string.IsNullOrWhiteSpace(target.Workspace))
            {
                problems.Add($"{Title(colour)}.Workspace: the {colour.Name()} Terraform workspace is empty.");
            }

            if (!IsHostName(target.Endpoint))
            {
                problems.Add($"{Title(colour)}.Endpoint: '{target.Endpoint}' is not a DNS name (the CNAME target when {colour.Name()} is live).");
            }
            else if (IsHostName(Domain) && NormalizeHost(target.Endpoint) == NormalizeHost(Domain))
            {
                problems.Add($"{Title(colour)}.Endpoint: '{target.Endpoint}' is the public domain itself; it must be the colour's own host name.");
            }

            if (string.IsNullOrWhiteSpace(target.ApiName) || string.IsNullOrWhiteSpace(target.Stage))
            {
                problems.Add($"{Title(colour)}.ApiName/Stage: needed to read the colour's API metrics.");
            }

            if (target.Functions.Count == 0)
            {
                problems.Add($"{Title(colour)}.Functions: list the {colour.Name()} Lambda function names (their errors, throttles and cold starts are monitored).");
            }
        }

        if (Colours.Count == 2)
        {
            if (string.Equals(Colours[0].Workspace, Colours[1].Workspace, StringComparison.Ordinal))
            {
                problems.Add($"Blue.Workspace/Green.Workspace: both colours use the workspace '{Colours[0].Workspace}'; destroying one would destroy the other.");
            }

            if (IsHostName(Colours[0].Endpoint) && NormalizeHost(Colours[0].Endpoint) == NormalizeHost(Colours[1].Endpoint))
            {
                problems.Add($"Blue.Endpoint/Green.Endpoint: both colours use '{Colours[0].Endpoint}'; the live colour could not be told from the record.");
            }
        }
    }

    private void ValidateThresholds(List<string> problems)
    {
        if (Thresholds.P95Ms <= 0)
        {
            problems.Add($"P95Ms: {Thresholds.P95Ms} must be positive.");
        }

        if (Thresholds.ErrorRatePercent is < 0 or > 100)
        {
            problems.Add($"ErrorRatePercent: {Thresholds.ErrorRatePercent} must be within 0..100.");
        }

        if (Thresholds.ColdStartMs <= 0)
        {
            problems.Add($"ColdStartMs: {Thresholds.ColdStartMs} must be positive.");
        }

        if (Thresholds.LambdaP95Ms <= 0)
        {
            problems.Add($"LambdaP95Ms: {Thresholds.LambdaP95Ms} must be positive.");
        }

        if (CleanupMaxRequests < 0)
        {
            problems.Add($"CleanupMaxRequests: {CleanupMaxRequests} must not be negative.");
        }
    }

    private void ValidateTiming(List<string> problems)
    {
        if (MonitoringWindow <= TimeSpan.Zero)
        {
            problems.Add($"MonitoringWindow: {MonitoringWindow} must be positive.");
        }

        if (PollInterval <= TimeSpan.Zero)
        {
            problems.Add($"PollInterval: {PollInterval} must be positive.");
        }

        if (ConsecutiveBreaches < 1)
        {
            problems.Add($"ConsecutiveBreaches: {ConsecutiveBreaches} must be at least 1.");
        }

        if (MonitoringWindow > TimeSpan.Zero && PollInterval > TimeSpan.Zero && ConsecutiveBreaches >= 1
            && PollInterval * ConsecutiveBreaches > MonitoringWindow)
        {
            problems.Add($"MonitoringWindow: {Durations.Format(MonitoringWindow)} holds fewer than {ConsecutiveBreaches} samples every {Durations.Format(PollInterval)}; the automatic rollback could never trigger.");
        }

        ValidateSampling(problems);

        if (LockStaleAfter <= TimeSpan.Zero)
        {
            problems.Add($"LockStaleAfter: {LockStaleAfter} must be positive.");
        }

        if (DnsSyncTimeout <= TimeSpan.Zero || DnsPollInterval <= TimeSpan.Zero)
        {
            problems.Add("DnsSyncTimeout/DnsPollInterval: both must be positive.");
        }
        else if (DnsPollInterval > DnsSyncTimeout)
        {
            problems.Add($"DnsPollInterval: {Durations.Format(DnsPollInterval)} is longer than DnsSyncTimeout {Durations.Format(DnsSyncTimeout)}.");
        }

        if (CleanupTrafficWindow <= TimeSpan.Zero)
        {
            problems.Add($"CleanupTrafficWindow: {CleanupTrafficWindow} must be positive.");
        }
    }

    private void ValidateSampling(List<string> problems)
    {
        var period = MetricPeriod.TotalSeconds;
        var validPeriod = period is 1 or 5 or 10 or 30 || (period >= 60 && period % 60 == 0);
        if (!validPeriod)
        {
            problems.Add($"MetricPeriod: {Durations.Format(MetricPeriod)} is not a CloudWatch period (1s, 5s, 10s, 30s or a multiple of 1m).");
        }
        else if (PollInterval > TimeSpan.Zero && PollInterval.Ticks % MetricPeriod.Ticks != 0)
        {
            problems.Add($"PollInterval: {Durations.Format(PollInterval)} is not a whole number of MetricPeriod {Durations.Format(MetricPeriod)}; samples are aligned to whole periods.");
        }

        if (MetricDelay < TimeSpan.Zero)
        {
            problems.Add($"MetricDelay: {MetricDelay} must not be negative.");
        }

        if (NoTrafficSamples < 1)
        {
            problems.Add($"NoTrafficSamples: {NoTrafficSamples} must be at least 1.");
        }

        if (PollInterval > TimeSpan.Zero && ConsecutiveBreaches >= 1 && MonitoringExtension < PollInterval * (ConsecutiveBreaches - 1))
        {
            problems.Add($"MonitoringExtension: {Durations.Format(MonitoringExtension)} is shorter than {ConsecutiveBreaches - 1} poll interval(s) of {Durations.Format(PollInterval)}; a breach streak open at the end of the window could not be decided.");
        }
    }

    private static string Title(DeploymentColour colour) => colour.ToString();

    internal static bool IsHostName(string? value) =>
        !string.IsNullOrWhiteSpace(value) && value.Length <= 253 && HostPattern().IsMatch(value.Trim().TrimEnd('.'));

    [GeneratedRegex("^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$")]
    private static partial Regex HostPattern();
}

/// <summary>Durations as written in cake.config: "15m", "30s", "2h", "500ms", "1h30m", "00:15:00" or plain seconds.</summary>
public static partial class Durations
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            value = TimeSpan.FromSeconds(seconds);
            return seconds >= 0;
        }

        if (trimmed.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
        }

        var parts = UnitPattern().Matches(trimmed);
        if (parts.Count == 0 || string.Concat(parts.Select(m => m.Value)) != trimmed)
        {
            return false;
        }

        foreach (Match part in parts)
        {
            var amount = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            value += part.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                _ => TimeSpan.FromHours(amount),
            };
        }

        return true;
    }

    /// <summary>Short human form: "15m", "1m30s", "250ms".</summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.FromSeconds(1))
        {
            return $"{value.TotalMilliseconds.ToString("0.#", CultureInfo.InvariantCulture)}ms";
        }

        var text = string.Empty;
        if (value.Hours + (value.Days * 24) > 0)
        {
            text += $"{value.Hours + (value.Days * 24)}h";
        }

        if (value.Minutes > 0)
        {
            text += $"{value.Minutes}m";
        }

        if (value.Seconds > 0 || value.Milliseconds > 0 || text.Length == 0)
        {
            text += value.Milliseconds > 0 ? $"{(value.Seconds + (value.Milliseconds / 1000.0)).ToString("0.###", CultureInfo.InvariantCulture)}s" : $"{value.Seconds}s";
        }

        return text;
    }

    [GeneratedRegex("(\\d+(?:\\.\\d+)?)(ms|s|m|h)")]
    private static partial Regex UnitPattern();
}
