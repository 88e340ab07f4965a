using System.Reflection;
using Cake.Cli;
using Cake.Core;
using Cake.Core.Configuration;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Cake.Core.Modules;
using Cake.Core.Scripting;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Cake.Frosting;

/// <summary>
/// The entry point of a Frosting build: collects services and task assemblies, parses the
/// command line and runs the requested targets through Cake.Cli's script hosts.
/// </summary>
public sealed class CakeHost
{
    private readonly List<Action<IServiceCollection>> _configurations = [];
    private readonly List<Assembly> _assemblies = [];

    public CakeHost ConfigureServices(Action<IServiceCollection> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _configurations.Add(configure);
        return this;
    }

    public CakeHost AddAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        _assemblies.Add(assembly);
        return this;
    }

    public CakeHost UseContext<TContext>()
        where TContext : class, IFrostingContext =>
        ConfigureServices(s => s.AddSingleton<IFrostingContext, TContext>());

    public CakeHost UseLifetime<TLifetime>()
        where TLifetime : class, IFrostingSetup, IFrostingTeardown =>
        ConfigureServices(s =>
        {
            s.AddSingleton<TLifetime>();
            s.AddSingleton<IFrostingSetup>(p => p.GetRequiredService<TLifetime>());
            s.AddSingleton<IFrostingTeardown>(p => p.GetRequiredService<TLifetime>());
        });

    public CakeHost UseTaskLifetime<TLifetime>()
        where TLifetime : class, IFrostingTaskSetup, IFrostingTaskTeardown =>
        ConfigureServices(s =>
        {
            s.AddSingleton<TLifetime>();
            s.AddSingleton<IFrostingTaskSetup>(p => p.GetRequiredService<TLifetime>());
            s.AddSingleton<IFrostingTaskTeardown>(p => p.GetRequiredService<TLifetime>());
        });

    public CakeHost UseWorkingDirectory(DirectoryPath path) =>
        ConfigureServices(s => s.AddSingleton(new WorkingDirectory(path)));

    public int Run(IEnumerable<string> args) => RunAsync(args).GetAwaiter().GetResult();

    public async Task<int> RunAsync(IEnumerable<string> args)
    {
        CommandLine command;
        try
        {
            command = CommandLine.Parse(args);
        }
        catch (UsageException ex)
        {
            await Console.Error.WriteLineAsync($"Error: {ex.Message} See --help.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        using var provider = Compose(command);
        var log = provider.GetRequiredService<ICakeLog>();
        log.Verbosity = command.Verbosity;
        var runner = new HostRunner(provider, command, log);
        return await runner.RunAsync().ConfigureAwait(false);
    }

    private ServiceProvider Compose(CommandLine command)
    {
        var services = new ServiceCollection();
        services.UseModule(new CoreModule());
        services.AddCakeDiagnostics();
        services.AddSingleton<IAnsiConsole>(_ => ConsoleWithWidth(AnsiConsole.Console));
        services.AddSingleton<ICakeReportPrinter, CakeSpectreReportPrinter>();
        services.AddSingleton<ICakeArguments>(_ => new CakeArguments(ArgumentLookup(command)));
        services.AddSingleton<ICakeConfiguration>(p => ReadConfiguration(p, command));
        services.AddSingleton<IFrostingContext, FrostingContext>();
        services.AddSingleton(command);

        foreach (var assembly in _assemblies.Prepend(Assembly.GetEntryAssembly()).OfType<Assembly>().Distinct())
        {
            foreach (var type in assembly.GetExportedTypes().Where(TaskCatalog.IsTask))
            {
                services.AddSingleton(typeof(IFrostingTask), type);
            }
        }

        foreach (var configure in _configurations)
        {
            configure(services);
        }

        return services.BuildServiceProvider();
    }

    /// <summary>
    /// When output goes to a file or a CI log there is no terminal width; tables then use COLUMNS
    /// or a width wide enough not to wrap names and messages.
    /// </summary>
    private static IAnsiConsole ConsoleWithWidth(IAnsiConsole console)
    {
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 40 ? columns : 200;
        }

        return console;
    }

    private static ILookup<string, string> ArgumentLookup(CommandLine command) =>
        command.Arguments
            .SelectMany(pair => pair.Value.Select(value => (pair.Key, value)))
            .Concat(command.Targets.Select(t => ("target", t)))
            .Concat(command.Mode == HostMode.DryRun ? [("dryrun", "true")] : Array.Empty<(string, string)>())
            .ToLookup(pair => pair.Item1, pair => pair.Item2, StringComparer.OrdinalIgnoreCase);

    private static ICakeConfiguration ReadConfiguration(IServiceProvider provider, CommandLine command)
    {
        var environment = provider.GetRequiredService<ICakeEnvironment>();
        var reader = new CakeConfigurationProvider(provider.GetRequiredService<IFileSystem>(), environment);
        var arguments = command.Arguments.ToDictionary(p => p.Key, p => p.Value[^1], StringComparer.OrdinalIgnoreCase);
        return reader.CreateConfiguration(environment.WorkingDirectory, arguments);
    }
}

/// <summary>The working directory given by <see cref="CakeHost.UseWorkingDirectory"/>.</summary>
internal sealed record WorkingDirectory(DirectoryPath Path);
