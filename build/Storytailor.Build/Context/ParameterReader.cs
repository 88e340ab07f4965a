using Cake.Core;
using Cake.Core.Configuration;

namespace Storytailor.Build.Context;

/// <summary>Where a parameter's value came from.</summary>
public enum ParameterSource
{
    Default,
    ConfigFile,
    Environment,
    Argument,
}

/// <summary>
/// Reads parameters with Cake's precedence (argument &gt; environment variable &gt; cake.config &gt; default),
/// collecting every problem so that they are all reported at once.
/// </summary>
public sealed class ParameterReader(ICakeArguments arguments, Func<string, string?> environment, ICakeConfiguration configuration)
{
    private readonly List<string> _errors = [];
    private readonly Dictionary<string, ParameterSource> _sources = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Errors => _errors;

    public ParameterSource SourceOf(Parameter parameter) =>
        _sources.TryGetValue(parameter.Name, out var source) ? source : ParameterSource.Default;

    public T Read<T>(Parameter<T> parameter)
    {
        var (raw, source, origin) = Raw(parameter);
        if (raw is null)
        {
            return parameter.Default;
        }

        try
        {
            var value = parameter.Parse(raw);
            _sources[parameter.Name] = source;
            return value;
        }
        catch (FormatException ex)
        {
            Fail($"Invalid value for {origin}: {ex.Message}");
            return parameter.Default;
        }
    }

    /// <summary>Records a problem found while validating values together.</summary>
    public void Fail(string message) => _errors.Add(message);

    private (string? Raw, ParameterSource Source, string Origin) Raw(Parameter parameter)
    {
        if (arguments.HasArgument(parameter.Name))
        {
            return (arguments.GetArguments(parameter.Name).Last(), ParameterSource.Argument, $"--{parameter.Name}");
        }

        var fromEnvironment = environment(parameter.EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return (fromEnvironment, ParameterSource.Environment, $"environment variable {parameter.EnvironmentVariable}");
        }

        var fromConfig = configuration.GetValue(parameter.ConfigKey);
        if (!string.IsNullOrEmpty(fromConfig))
        {
            return (fromConfig, ParameterSource.ConfigFile, $"cake.config {parameter.ConfigKey.Replace('_', '.')}");
        }

        return (null, ParameterSource.Default, parameter.Name);
    }
}
