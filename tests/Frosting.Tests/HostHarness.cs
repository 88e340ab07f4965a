using System.Text;
using Cake.Core;
using Cake.Frosting;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Frosting.Tests;

/// <summary>Runs a CakeHost in process with chosen tasks, capturing everything it prints.</summary>
public sealed class HostHarness
{
    private readonly List<Type> _tasks = [];
    private readonly List<Action<CakeHost>> _configure = [];

    public ExecutionLog Log { get; } = new();

    public HostHarness WithTasks(params Type[] tasks)
    {
        _tasks.AddRange(tasks);
        return this;
    }

    public HostHarness Configure(Action<CakeHost> configure)
    {
        _configure.Add(configure);
        return this;
    }

    public HostResult Run(params string[] args)
    {
        var output = new StringWriter();
        var console = new CapturingConsole(output);
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
        });
        ansi.Profile.Width = 160;

        var host = new CakeHost();
        foreach (var configure in _configure)
        {
            configure(host);
        }

        host.ConfigureServices(services =>
        {
            services.AddSingleton(Log);
            services.AddSingleton<IConsole>(console);
            services.AddSingleton(ansi);
            foreach (var task in _tasks)
            {
                services.AddSingleton(typeof(IFrostingTask), task);
            }
        });

        // Cake's environment changes the process's current directory; put it back afterwards.
        var originalDirectory = Environment.CurrentDirectory;
        var originalError = Console.Error;
        var stderr = new StringWriter();
        Console.SetError(stderr);
        try
        {
            var code = host.Run(args);
            return new HostResult(code, output.ToString() + stderr, Log.Entries);
        }
        finally
        {
            Console.SetError(originalError);
            Environment.CurrentDirectory = originalDirectory;
        }
    }
}

public sealed record HostResult(int ExitCode, string Output, IReadOnlyList<string> Executed);

/// <summary>What the test tasks did, in order; injected into them through DI.</summary>
public sealed class ExecutionLog
{
    private readonly List<string> _entries = [];

    public IReadOnlyList<string> Entries => _entries;

    public void Add(string entry) => _entries.Add(entry);
}

/// <summary>Cake's console, writing into a buffer.</summary>
public sealed class CapturingConsole(TextWriter writer) : IConsole
{
    public ConsoleColor ForegroundColor { get; set; }

    public ConsoleColor BackgroundColor { get; set; }

    public bool SupportAnsiEscapeCodes => false;

    public void Write(string format, params object[] arg) => writer.Write(Format(format, arg));

    public void Write(string value) => writer.Write(value);

    public void WriteLine(string format, params object[] arg) => writer.WriteLine(Format(format, arg));

    public void WriteLine(string value) => writer.WriteLine(value);

    public void WriteError(string format, params object[] arg) => writer.Write(Format(format, arg));

    public void WriteError(string value) => writer.Write(value);

    public void WriteErrorLine(string format, params object[] arg) => writer.WriteLine(Format(format, arg));

    public void WriteErrorLine(string value) => writer.WriteLine(value);

    public void ResetColor()
    {
    }

    private static string Format(string format, object[] arg) =>
        arg.Length == 0 ? format : string.Format(System.Globalization.CultureInfo.InvariantCulture, format, arg);
}
