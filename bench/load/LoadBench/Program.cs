using System.Globalization;
using Storytailor.Core;
using Storytailor.Load;

// Runs the build's load engine once and prints one line of figures (for bench/load/run.sh).
// Usage: LoadBench <base-url> <open|closed> <rate-or-vus> <seconds> [max-in-flight] [path] [warm-up seconds, default 2]
var url = new Uri(args[0]);
var model = args[1] == "closed" ? LoadModel.Closed : LoadModel.Open;
var size = double.Parse(args[2], CultureInfo.InvariantCulture);
var seconds = double.Parse(args[3], CultureInfo.InvariantCulture);
var maxInFlight = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 256;
var path = args.Length > 5 ? args[5] : "/health";
var warmUp = args.Length > 6 ? double.Parse(args[6], CultureInfo.InvariantCulture) : 2;
var profile = new LoadProfile("bench", model, TimeSpan.FromSeconds(seconds))
{
    Rate = size,
    VirtualUsers = (int)size,
    MaxInFlight = maxInFlight,
    WarmUp = TimeSpan.FromSeconds(warmUp),
};
var heapSamples = new List<long>();
var progress = new Sampler(p => heapSamples.Add(GC.GetTotalMemory(false)));
var result = await new LoadEngine(new QuietLog()).RunAsync(new LoadRun(url, profile, [new ScenarioRequest("bench", "GET", path)]), progress);
var peakRss = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM", StringComparison.Ordinal)).Split(':')[1].Trim();
var l = result.Latency;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"engine: requests={result.Requests} rate={result.RequestsPerSecond:0.0}/s dropped={result.Dropped} ({(double)result.Dropped / Math.Max(1, result.Requests + result.Dropped):P2}) errors={result.Failed} p50={l?.MedianMs:0.00}ms p95={l?.P95Ms:0.00}ms p99={l?.P99Ms:0.00}ms max={l?.MaxMs:0.00}ms peakRSS={peakRss} managedHeap(first/last second)={(heapSamples.Count > 0 ? heapSamples[0] / 1048576.0 : 0):0.0}/{(heapSamples.Count > 0 ? heapSamples[^1] / 1048576.0 : 0):0.0}MB"));

internal sealed class QuietLog : IBuildLog
{
    public void Information(string message) { }

    public void Warning(string message) => Console.Error.WriteLine(message);

    public void Error(string message) => Console.Error.WriteLine(message);

    public void Verbose(string message) { }
}

internal sealed class Sampler(Action<LoadProgress> report) : IProgress<LoadProgress>
{
    public void Report(LoadProgress value) => report(value);
}
