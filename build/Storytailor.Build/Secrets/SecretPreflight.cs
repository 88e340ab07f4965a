using Storytailor.Build.Context;

namespace Storytailor.Build.Secrets;

/// <summary>Finds every required secret that is missing for the requested targets.</summary>
public static class SecretPreflight
{
    public static IReadOnlyList<string> Missing(
        IEnumerable<string> targets,
        DeploymentEnvironment environment,
        Func<string, string?> lookup) =>
        targets
            .SelectMany(t => SecretCatalog.RequiredFor(t, environment))
            .Select(s => s.Name)
            .Distinct(StringComparer.Ordinal)
            .Where(name => string.IsNullOrWhiteSpace(lookup(name)))
            .ToList();

    /// <summary>The one message for missing secrets (Preflight, and a deployment's dry run, which reads before Preflight): every name at once; null when none is missing.</summary>
    public static string? Problem(IReadOnlyList<string> targets, DeploymentEnvironment environment, Func<string, string?> lookup)
    {
        var missing = Missing(targets, environment, lookup);
        return missing.Count == 0
            ? null
            : $"Missing {missing.Count} required secret(s) for {string.Join(", ", targets)}: {string.Join(", ", missing)}. " +
              "Set them as environment variables (in GitHub: repository or environment secrets). See --target=Secrets.";
    }
}
