using System.Globalization;

namespace Storytailor.Bench.Deploy;

/// <summary>Median and maximum over the runs, in milliseconds.</summary>
internal static class Figures
{
    public static TimeSpan Median(IEnumerable<TimeSpan> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? TimeSpan.Zero : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    public static string Ms(TimeSpan value) => value.TotalMilliseconds.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>"1,234 ms (max 1,456)".</summary>
    public static string MedianMax(IEnumerable<TimeSpan> values)
    {
        var list = values.ToList();
        return $"{Ms(Median(list))} ms (max {Ms(list.Max())})";
    }
}
