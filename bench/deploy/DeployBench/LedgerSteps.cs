using System.Text.Json;

namespace Storytailor.Bench.Deploy;

/// <summary>One step of a ledger record as the build wrote it: name, start and end, facts.</summary>
internal sealed record LedgerStep(string Name, Span Span, IReadOnlyList<string> Facts)
{
    public static IReadOnlyList<LedgerStep> Of(JsonElement record) =>
        [.. record.GetProperty("steps").EnumerateArray().Select(s => new LedgerStep(
            s.GetProperty("name").GetString()!,
            new Span(s.GetProperty("startedAt").GetDateTimeOffset(), s.TryGetProperty("endedAt", out var end) ? end.GetDateTimeOffset() : s.GetProperty("startedAt").GetDateTimeOffset()),
            [.. s.GetProperty("facts").EnumerateArray().Select(f => f.GetString()!)]))];

    public static LedgerStep Named(IReadOnlyList<LedgerStep> steps, string name) =>
        steps.LastOrDefault(s => s.Name == name) ?? throw new BenchException($"the ledger record has no step '{name}' (steps: {string.Join(", ", steps.Select(s => s.Name))})");
}

/// <summary>A run did not go the way the figure needs (the message says what happened); no figure is printed for it.</summary>
internal sealed class BenchException(string message) : Exception(message);
