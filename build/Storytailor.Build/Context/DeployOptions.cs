using Cake.Core;
using Storytailor.Build.Secrets;
using Storytailor.Deploy;

namespace Storytailor.Build.Context;

/// <summary>
/// Settings of DeployStaging, DeployProduction and Rollback: each environment's settings from cake.config
/// ([Deploy.Staging], [Deploy.Production]) with the command-line overrides applied, validated up front when one of
/// those targets is requested.
/// </summary>
public sealed record DeployOptions(
    DeploymentEnvironmentSettings? Staging,
    DeploymentEnvironmentSettings? Production,
    bool DryRun,
    string? ForceUnlockId,
    string? ToVersion,
    string TerraformBackend,
    string? TerraformVarFile,
    string TerraformStateKey,
    TimeSpan? LoadWarmUp,
    bool Supersede = false)
{
    public static readonly string[] Targets = [SecretCatalog.DeployStaging, SecretCatalog.DeployProduction, SecretCatalog.Rollback];

    /// <summary>The settings of an environment; throws when they were not valid (only possible when no deploy target was requested).</summary>
    public DeploymentEnvironmentSettings SettingsFor(DeploymentEnvironment environment) =>
        (environment == DeploymentEnvironment.Production ? Production : Staging)
        ?? throw new InvalidOperationException($"The [Deploy.{environment}] settings in cake.config are not valid.");

    public static DeployOptions Read(ParameterReader reader, ICakeContext context, IReadOnlyList<string> targets, DeploymentEnvironment environmentParameter, string? githubRef)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(targets);
        var window = reader.Read(BuildParameters.MonitoringWindow);
        var poll = reader.Read(BuildParameters.PollInterval);
        var breaches = reader.Read(BuildParameters.ConsecutiveBreaches);
        var requested = targets.Where(t => Targets.Contains(t, StringComparer.OrdinalIgnoreCase))
            .Select(t => SecretCatalog.EnvironmentOf(t, environmentParameter))
            .ToHashSet();

        DeploymentEnvironmentSettings? Environment(DeploymentEnvironment environment)
        {
            var name = environment == DeploymentEnvironment.Production ? DeploymentEnvironmentSettings.Production : DeploymentEnvironmentSettings.Staging;
            var section = environment == DeploymentEnvironment.Production ? "Deploy.Production" : "Deploy.Staging";
            var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var key in ConfigKeys())
            {
                var value = context.Configuration.GetValue($"{section}_{key}");
                if (!string.IsNullOrWhiteSpace(value))
                {
                    values[key] = value;
                }
            }

            if (window.Length > 0)
            {
                values["MonitoringWindow"] = window;
            }

            if (poll.Length > 0)
            {
                values["PollInterval"] = poll;
            }

            if (breaches > 0)
            {
                values["ConsecutiveBreaches"] = breaches.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            var settings = DeploymentSettingsParser.TryParse(name, values, out var problems);
            if (requested.Contains(environment))
            {
                foreach (var problem in problems)
                {
                    reader.Fail($"cake.config [{section}] (or its command-line override): {problem}");
                }
            }

            return settings;
        }

        if (targets.Contains(SecretCatalog.DeployProduction, StringComparer.OrdinalIgnoreCase)
            && reader.Read(BuildParameters.Tag).Trim().Length == 0 && !(githubRef ?? string.Empty).StartsWith("refs/tags/", StringComparison.Ordinal))
        {
            reader.Fail("DeployProduction deploys a release: give its version with --tag=vX.Y.Z (or run on a tag ref).");
        }

        var forceUnlock = reader.Read(BuildParameters.ForceUnlock).Trim();
        var toVersion = reader.Read(BuildParameters.ToVersion).Trim();
        var varFile = reader.Read(BuildParameters.TerraformVarFile).Trim();
        return new DeployOptions(
            Environment(DeploymentEnvironment.Staging),
            Environment(DeploymentEnvironment.Production),
            context.Arguments.HasArgument("dryrun"),
            forceUnlock.Length == 0 ? null : forceUnlock,
            toVersion.Length == 0 ? null : toVersion,
            reader.Read(BuildParameters.TerraformBackend),
            varFile.Length == 0 ? null : Path.GetFullPath(varFile, context.Environment.WorkingDirectory.FullPath),
            reader.Read(BuildParameters.TerraformStateKey),
            reader.Read(BuildParameters.DeployLoadWarmUp) is var warmUp && warmUp >= 0 ? TimeSpan.FromSeconds(warmUp) : null,
            reader.Read(BuildParameters.Supersede));
    }

    /// <summary>Every key cake.config may set in a [Deploy.&lt;Env&gt;] section (colour keys for both colours).</summary>
    private static IEnumerable<string> ConfigKeys() =>
        DeploymentSettingsParser.Keys.Keys.SelectMany(key => key.StartsWith("<Colour>.", StringComparison.Ordinal)
            ? Enum.GetNames<DeploymentColour>().Select(colour => colour + key["<Colour>".Length..])
            : [key]);
}
