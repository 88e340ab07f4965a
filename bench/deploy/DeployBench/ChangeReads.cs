using Storytailor.FakeAws;

namespace Storytailor.Bench.Deploy;

/// <summary>What the fake's request log says about a Route 53 change.</summary>
internal static class ChangeReads
{
    /// <summary>When the fake answered the build's last status read of the change: the INSYNC it stopped polling on.</summary>
    public static DateTimeOffset InSyncReadAt(IReadOnlyList<RecordedRequest> requests, FakeChange change)
    {
        var reads = requests.Where(r => r.Operation == "GetChange" && r.Path.EndsWith(change.Id, StringComparison.Ordinal)).ToList();
        return reads.Count > 0 ? reads.Max(r => r.AnsweredAt) : throw new BenchException($"the build never read the status of change {change.Id}");
    }
}
