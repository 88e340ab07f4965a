using System.Globalization;

namespace Storytailor.Build.Context;

/// <summary>
/// A build parameter, declared once: its name on the command line, the environment variable and
/// cake.config key that can also set it, its type, default and description.
/// Precedence: argument &gt; environment variable &gt; cake.config &gt; default.
/// </summary>
public abstract class Parameter(string name, string description)
{
    public string Name { get; } = name;

    public string Description { get; } = description;

    /// <summary>The environment variable that sets it, e.g. STORYTAILOR_APP_ROOT.</summary>
    public string EnvironmentVariable => "STORYTAILOR_" + Name.Replace('-', '_').ToUpperInvariant();

    /// <summary>The cake.config key, e.g. section [Storytailor], key AppRoot → Storytailor_AppRoot.</summary>
    public string ConfigKey => "Storytailor_" + string.Concat(Name.Split('-').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));

    public abstract string TypeName { get; }

    public abstract string DefaultText { get; }
}

/// <summary>A parameter of type <typeparamref name="T"/> with its parser and validation.</summary>
public sealed class Parameter<T>(
    string name,
    string description,
    T defaultValue,
    Func<string, T> parse,
    string typeName,
    string? defaultText = null) : Parameter(name, description)
{
    public T Default { get; } = defaultValue;

    public override string TypeName => typeName;

    public override string DefaultText => defaultText ?? Default switch
    {
        bool flag => flag ? "true" : "false",
        _ => Convert.ToString(Default, CultureInfo.InvariantCulture) ?? "(none)",
    };

    /// <summary>Parses a raw value; throws <see cref="FormatException"/> with a message naming the valid values.</summary>
    public T Parse(string raw) => parse(raw.Trim());
}

/// <summary>Parsers shared by parameter declarations.</summary>
public static class ParameterParsers
{
    public static string Text(string raw) => raw;

    public static bool Flag(string raw) => raw.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        _ => throw new FormatException($"'{raw}' is not a boolean. Valid values: true, false."),
    };

    public static Func<string, int> Integer(int min, int max) => raw =>
        int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"'{raw}' is not a whole number from {min} to {max}.");

    public static Func<string, double> Number(double min, double max) => raw =>
        double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"'{raw}' is not a number from {min} to {max}.");

    public static Func<string, TEnum> Choice<TEnum>()
        where TEnum : struct, Enum => raw =>
        Enum.TryParse<TEnum>(raw, ignoreCase: true, out var value) && Enum.IsDefined(value)
            ? value
            : throw new FormatException(
                $"'{raw}' is not valid. {NameSuggestion.DidYouMean(raw, Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()))}Valid values: {string.Join(", ", Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()))}.");
}
