using Cake.Core;
using Cake.Core.Configuration;

namespace Storytailor.Build.Context;

/// <summary>
/// Reads parameters with Cake's precedence (argument &gt; environment variable &gt; cake.config &gt; default),
/// collecting every problem so that they are all reported at once.
/// </summary>
public sealed class ParameterReader(ICakeArguments arguments, Func<string, string?> environment, ICakeConfiguration configuration)
{
    private readonly List<string> _errors = [];

    public IReadOnlyList<string> Errors => _errors;

    public T Read<T>(Parameter<T> parameter)
    {
        var (raw, origin) = Raw(parameter);
        if (raw is null)
        {
            return parameter.Default;
        }

        try
        {
            return parameter.Parse(raw);
        }
        catch (FormatException ex)
        {
            Fail($"Invalid value for {origin}: {ex.Message}");
            return parameter.Default;
        }
    }

    /// <summary>Records a problem found while validating values together.</summary>
    public void Fail(string message) => _errors.Add(message);

    /// <summary>The raw value and where it came from (for messages), by Cake's precedence.</summary>
    private (string? Raw, string Origin) Raw(Parameter parameter)
    {
        if (arguments.HasArgument(parameter.Name))
        {
            return (arguments.GetArguments(parameter.Name).Last(), $"--{parameter.Name}");
        }

        var fromEnvironment = environment(parameter.EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return (fromEnvironment, $"environment variable {parameter.EnvironmentVariable}");
        }

        var fromConfig = configuration.GetValue(parameter.ConfigKey);
        if (!string.IsNullOrEmpty(fromConfig))
        {
            return (fromConfig, $"cake.config {parameter.ConfigKey.Replace('_', '.')}");
        }

        return (null, parameter.Name);
    }
}
