using Storytailor.Build.Context;
using Storytailor.Core;

namespace Storytailor.Build.Secrets;

/// <summary>Registers every secret value present in the environment with the redactor.</summary>
public static class SecretEnvironment
{
    private static readonly string[] SecretLikeSuffixes = ["_TOKEN", "_SECRET", "_PASSWORD", "_KEY", "_SECRET_KEY", "_WEBHOOK_URL"];

    /// <summary>True for catalog secrets and for variables whose names say they hold a secret.</summary>
    public static bool IsSecretName(string name) =>
        SecretCatalog.All.Any(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        || SecretLikeSuffixes.Any(suffix => name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
        || name.Contains("SECRET", StringComparison.OrdinalIgnoreCase);

    public static IReadOnlyList<string> SecretValues(IReadOnlyDictionary<string, string?> environment) =>
        environment
            .Where(pair => IsSecretName(pair.Key) && !string.IsNullOrWhiteSpace(pair.Value))
            .Select(pair => pair.Value!)
            .ToList();

    public static SecretRedactor CreateRedactor(IReadOnlyDictionary<string, string?> environment)
    {
        var redactor = new SecretRedactor();
        foreach (var value in SecretValues(environment))
        {
            redactor.Register(value);
        }

        return redactor;
    }

    public static IReadOnlyDictionary<string, string?> Current() => EnvironmentVariables.OfProcess().All;
}
