namespace Frosting.Extras;

/// <summary>Finds the valid name nearest to a mistyped one, for error messages.</summary>
public static class NameSuggestion
{
    public static string? Nearest(string input, IEnumerable<string> candidates)
    {
        var list = candidates.ToList();
        var prefixed = list.Where(c => input.Length >= 2 && c.StartsWith(input, StringComparison.OrdinalIgnoreCase)).ToList();
        if (prefixed.Count == 1)
        {
            return prefixed[0];
        }

        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in list)
        {
            var distance = Forms(candidate).Min(form => Distance(input.ToLowerInvariant(), form.ToLowerInvariant()));
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best is not null && bestDistance <= Math.Max(2, input.Length / 2) ? best : null;
    }

    /// <summary>"Did you mean 'X'? " when a near name exists, else an empty string.</summary>
    public static string DidYouMean(string input, IEnumerable<string> candidates)
    {
        var nearest = Nearest(input, candidates);
        return nearest is null ? string.Empty : $"Did you mean '{nearest}'? ";
    }

    /// <summary>A name and its leading dash-separated parts: "coverage-threshold" is also "coverage", so "covrage" finds it.</summary>
    private static IEnumerable<string> Forms(string candidate)
    {
        yield return candidate;
        for (var dash = candidate.IndexOf('-', StringComparison.Ordinal); dash > 0; dash = candidate.IndexOf('-', dash + 1))
        {
            yield return candidate[..dash];
        }
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
