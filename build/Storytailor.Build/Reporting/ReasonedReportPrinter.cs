using Cake.Core;
using Cake.Core.Diagnostics;

namespace Storytailor.Build.Reporting;

/// <summary>Cake's report printer, with the recorded reason in place of the generic skip message.</summary>
public sealed class ReasonedReportPrinter(ICakeReportPrinter inner, SkipReasons reasons, ICakeLog log) : ICakeReportPrinter
{
    public void Write(CakeReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var rewritten = new CakeReport();
        foreach (var entry in report)
        {
            var reason = reasons.For(entry.TaskName);
            if (entry.ExecutionStatus == CakeTaskExecutionStatus.Executed && reason is not null)
            {
                // A requested target that was cached ran as a no-op (Cake fails a skipped target): report it as what it was.
                rewritten.Add(entry.TaskName, reason, entry.Category, entry.Duration, CakeTaskExecutionStatus.Skipped);
                continue;
            }

            var message = entry.ExecutionStatus == CakeTaskExecutionStatus.Skipped ? reason ?? entry.SkippedMessage : entry.SkippedMessage;
            rewritten.Add(entry.TaskName, message, entry.Category, entry.Duration, entry.ExecutionStatus);
        }

        inner.Write(rewritten);

        // The table may cut long reasons; the full text follows it.
        foreach (var entry in rewritten.Where(e => e.ExecutionStatus == CakeTaskExecutionStatus.Skipped && !string.IsNullOrEmpty(e.SkippedMessage)))
        {
            log.Information("Skipped {0}: {1}", entry.TaskName, entry.SkippedMessage);
        }
    }

    public void WriteStep(string name, Verbosity verbosity) => inner.WriteStep(name, verbosity);

    public void WriteLifeCycleStep(string name, Verbosity verbosity) => inner.WriteLifeCycleStep(name, verbosity);

    public void WriteSkippedStep(string name, Verbosity verbosity) => inner.WriteSkippedStep(name, verbosity);
}
