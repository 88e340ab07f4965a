using System.Globalization;

namespace Storytailor.Build.Description;

/// <summary>A mistake in the description file, at a line and column (1-based).</summary>
public sealed record DescriptionProblem(string File, int Line, int Column, string Message)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{File}:{Line}:{Column}: {Message}");
}

/// <summary>The description file could not be used; every problem is listed.</summary>
public sealed class AppDescriptionException(IReadOnlyList<DescriptionProblem> problems)
    : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<DescriptionProblem> Problems { get; } = problems;
}
