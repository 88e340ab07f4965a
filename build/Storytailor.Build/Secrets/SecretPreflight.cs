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
}
