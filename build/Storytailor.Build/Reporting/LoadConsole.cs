using Spectre.Console;
using Storytailor.Build.Context;
using Storytailor.Load;

namespace Storytailor.Build.Reporting;

/// <summary>
/// How the load targets show themselves: a live status line on a terminal, plain periodic log lines
/// in CI or when output is redirected, and result tables. Everything printed passes the redactor.
/// </summary>
internal static class LoadConsole
{
    /// <summary>True on an interactive terminal: output not redirected and not running in CI.</summary>
    public static bool IsInteractive(BuildContext context) =>
        !Console.IsOutputRedirected && !context.Variables.IsCi;

    /// <summary>
    /// Runs <paramref name="run"/> with a progress sink: a Spectre.Console live status line on a terminal,
    /// else log lines (every second for short runs, every ten seconds for long ones).
    /// </summary>
    public static async Task<T> WithProgressAsync<T>(BuildContext context, Func<IProgress<LoadProgress>, Task<T>> run)
    {
        if (IsInteractive(context))
        {
            return await AnsiConsole.Status().Spinner(Spinner.Known.Dots).StartAsync("starting the load…", status =>
                run(new LiveProgress<LoadProgress>(p => status.Status(Markup.Escape(context.Redactor.Redact(p.ToLine()))))));
        }

        TimeSpan? lastLogged = null;
        return await run(new LiveProgress<LoadProgress>(p =>
        {
            var every = p.Elapsed + p.Remaining <= TimeSpan.FromSeconds(30) ? TimeSpan.Zero : TimeSpan.FromSeconds(9.5);
            if (lastLogged is null || p.Elapsed - lastLogged >= every || p.Remaining <= TimeSpan.Zero)
            {
                lastLogged = p.Elapsed;
                context.BuildLog.Information(p.ToLine());
            }
        }));
    }

    /// <summary>Prints a table with a title; every cell is redacted and escaped.</summary>
    public static void Table(BuildContext context, string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        var table = new Table { Title = new TableTitle(Markup.Escape(title)) };
        foreach (var column in columns)
        {
            table.AddColumn(Markup.Escape(column));
        }

        foreach (var row in rows)
        {
            table.AddRow(row.Select(cell => Markup.Escape(context.Redactor.Redact(cell))).ToArray());
        }

        AnsiConsole.Write(table);
    }

    public static void ResultTable(BuildContext context, string title, LoadTestResult result) =>
        Table(context, title, ["Measure", "Value"], result.TableRows().Select(r => (IReadOnlyList<string>)[r.Name, r.Value]));

    /// <summary>An IProgress that reports on the engine's reporting thread (Progress&lt;T&gt; would post elsewhere).</summary>
    private sealed class LiveProgress<TValue>(Action<TValue> report) : IProgress<TValue>
    {
        public void Report(TValue value) => report(value);
    }
}
