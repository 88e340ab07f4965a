using System.Collections.Concurrent;
using Cake.Core;

namespace Storytailor.Build.Reporting;

/// <summary>Why tasks decided not to run, keyed by task name, so the report can say so.</summary>
public sealed class SkipReasons
{
    private readonly ConcurrentDictionary<string, string> _reasons = new(StringComparer.OrdinalIgnoreCase);

    public void Record(string task, string reason) => _reasons[task] = reason;

    public string? For(string task) => _reasons.TryGetValue(task, out var reason) ? reason : null;
}

/// <summary>Cake's report printer, with the recorded reason in place of the generic skip message.</summary>
public sealed class ReasonedReportPrinter(ICakeReportPrinter inner, SkipReasons reasons) : ICakeReportPrinter
{
    public void Write(CakeReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var rewritten = new CakeReport();
        foreach (var entry in report)
        {
            var message = entry.ExecutionStatus == CakeTaskExecutionStatus.Skipped
                ? reasons.For(entry.TaskName) ?? entry.SkippedMessage
                : entry.SkippedMessage;
            rewritten.Add(entry.TaskName, message, entry.Category, entry.Duration, entry.ExecutionStatus);
        }

        inner.Write(rewritten);
    }

    public void WriteStep(string name, Cake.Core.Diagnostics.Verbosity verbosity) => inner.WriteStep(name, verbosity);

    public void WriteLifeCycleStep(string name, Cake.Core.Diagnostics.Verbosity verbosity) => inner.WriteLifeCycleStep(name, verbosity);

    public void WriteSkippedStep(string name, Cake.Core.Diagnostics.Verbosity verbosity) => inner.WriteSkippedStep(name, verbosity);
}
