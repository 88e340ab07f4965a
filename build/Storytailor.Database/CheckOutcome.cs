using System.Text.Json.Serialization;

namespace Storytailor.Database;

[JsonConverter(typeof(JsonStringEnumConverter<CheckStatus>))]
public enum CheckStatus
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>One named check of a stage: its status, what it looked at, and each failure naming the cause.</summary>
public sealed record CheckOutcome(string Name, CheckStatus Status, IReadOnlyList<string> Failures, string? Note = null)
{
    public static CheckOutcome Pass(string name, string? note = null) => new(name, CheckStatus.Passed, [], note);

    public static CheckOutcome Fail(string name, IReadOnlyList<string> failures, string? note = null) => new(name, CheckStatus.Failed, failures, note);

    public static CheckOutcome Skip(string name, string reason) => new(name, CheckStatus.Skipped, [], reason);

    /// <summary>Passed when there are no failures, failed otherwise.</summary>
    public static CheckOutcome From(string name, IReadOnlyList<string> failures, string? note = null) =>
        failures.Count == 0 ? Pass(name, note) : Fail(name, failures, note);
}
