using System.Collections.Concurrent;

namespace Frosting.Extras;

/// <summary>
/// Why tasks decided not to run, keyed by task name. The build records a reason where it decides; the report
/// and (on a host that knows this class) the dry-run listing say it instead of Cake's generic criteria message.
/// </summary>
public sealed class SkipReasons
{
    private readonly ConcurrentDictionary<string, string> _reasons = new(StringComparer.OrdinalIgnoreCase);

    public void Record(string task, string reason) => _reasons[task] = reason;

    public string? For(string task) => _reasons.TryGetValue(task, out var reason) ? reason : null;
}
