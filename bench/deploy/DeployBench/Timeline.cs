namespace Storytailor.Bench.Deploy;

/// <summary>A stretch of wall-clock time (empty when it does not end after it starts).</summary>
internal readonly record struct Span(DateTimeOffset Start, DateTimeOffset End)
{
    public TimeSpan Length => End > Start ? End - Start : TimeSpan.Zero;
}

/// <summary>How much of a window some spans cover, overlaps counted once.</summary>
internal static class Coverage
{
    public static TimeSpan Within(Span window, IEnumerable<Span> spans)
    {
        var clipped = spans
            .Select(s => new Span(s.Start > window.Start ? s.Start : window.Start, s.End < window.End ? s.End : window.End))
            .Where(s => s.End > s.Start)
            .OrderBy(s => s.Start);
        var covered = TimeSpan.Zero;
        Span? open = null;
        foreach (var span in clipped)
        {
            if (open is { } current && span.Start <= current.End)
            {
                open = current with { End = span.End > current.End ? span.End : current.End };
                continue;
            }

            covered += open?.Length ?? TimeSpan.Zero;
            open = span;
        }

        return covered + (open?.Length ?? TimeSpan.Zero);
    }
}
