using System.Reflection;
using Cake.Cli;
using Cake.Core;
using Cake.Core.Configuration;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Cake.Core.Scripting;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Cake.Frosting;

/// <summary>Validates a parsed command line against the task graph and runs it in the requested mode.</summary>
internal sealed class HostRunner(IServiceProvider provider, CommandLine command, ICakeLog log)
{
    internal const string SkippedByOption = "Skipped by --skip";

    public async Task<int> RunAsync()
    {
        IReadOnlyList<TaskDefinition> tasks;
        IScriptHost host;
        try
        {
            if (command.Mode == HostMode.Version)
            {
                var entry = Assembly.GetEntryAssembly()?.GetName();
                provider.GetRequiredService<IConsole>().WriteLine(
                    $"{entry?.Name} {entry?.Version} (Cake {typeof(ICakeContext).Assembly.GetName().Version})");
                return ExitCodes.Success;
            }

            if (command.Mode == HostMode.Info)
            {
                new InfoFeature(new VersionResolver()).Run(provider.GetRequiredService<IConsole>());
                return ExitCodes.Success;
            }

            SetWorkingDirectory();
            tasks = TaskCatalog.Discover(provider.GetServices<IFrostingTask>().Select(t => t.GetType().Assembly))
                .Where(d => provider.GetServices<IFrostingTask>().Any(t => t.GetType() == d.Type))
                .ToList();

            if (command.Mode == HostMode.Help)
            {
                new HostHelp(provider.GetRequiredService<IAnsiConsole>(), tasks, provider.GetService<IArgumentCatalog>()).Write();
                return ExitCodes.Success;
            }

            ValidateArgumentNames();
            ValidateTaskNames(tasks);
            _ = provider.GetRequiredService<ICakeConfiguration>();
            // Drawing the graph runs nothing, so it needs none of the build's parameters: the application's
            // context (which validates them) is created only for modes that run or list tasks.
            var context = command.Mode is HostMode.Tree or HostMode.Description
                ? new FrostingContext(provider.GetRequiredService<ICakeContext>())
                : provider.GetRequiredService<IFrostingContext>();
            host = CreateScriptHost(context);
            Register(host, context, tasks);
        }
        catch (Exception ex)
        {
            return ConfigurationError(Unwrap(ex));
        }

        try
        {
            host.Settings.SetTargets(command.Targets);
            if (command.Exclusive)
            {
                host.Settings.UseExclusiveTarget();
            }

            if (command.Mode == HostMode.DryRun)
            {
                RunSetupsForDryRun(provider.GetRequiredService<IFrostingContext>(), provider.GetRequiredService<ICakeEngine>());
            }

            await host.RunTargetsAsync(command.Targets).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (Exception ex)
        {
            var error = Unwrap(ex);
            var code = ExceptionLogger.LogException(log, error);
            return code == 0 ? ExitCodes.Failure : code;
        }
    }

    /// <summary>
    /// Cake's dry-run strategy skips Setup and every task. The build's Setup lifetimes still run in a dry
    /// run (with the build argument dryrun=true), so that a build can print what it would do; tasks never run.
    /// </summary>
    private void RunSetupsForDryRun(IFrostingContext context, ICakeEngine engine)
    {
        var target = command.Targets.Count > 0 ? command.Targets[^1] : "Default";
        var info = engine.Tasks.FirstOrDefault(t => string.Equals(t.Name, target, StringComparison.OrdinalIgnoreCase));
        if (info is null)
        {
            return;
        }

        // The tasks the target would run, in order (--exclusive: the target alone), as in a real run.
        var graph = Cake.Core.Graph.CakeGraphBuilder.Build(engine.Tasks);
        var names = command.Exclusive ? [info.Name] : graph.Traverse(info.Name).ToList();
        var tasks = names.Select(n => engine.Tasks.First(t => string.Equals(t.Name, n, StringComparison.OrdinalIgnoreCase))).ToList();
        var setupContext = new SetupContext(context, info, tasks);
        foreach (var setup in provider.GetServices<IFrostingSetup>())
        {
            setup.Setup(context, setupContext);
        }
    }

    private int ConfigurationError(Exception error)
    {
        var code = error is CakeException { ExitCode: > 0 } cake ? cake.ExitCode : ExitCodes.Usage;
        if (log.Verbosity >= Verbosity.Diagnostic)
        {
            log.Error("Error: {0}", error);
        }
        else
        {
            log.Error("Error: {0}", error.Message);
        }

        return code;
    }

    private static Exception Unwrap(Exception ex)
    {
        while (ex is TargetInvocationException or AggregateException or CakeReportException && ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex;
    }

    private void SetWorkingDirectory()
    {
        var environment = provider.GetRequiredService<ICakeEnvironment>();
        var path = command.WorkingDirectory is { } given
            ? new DirectoryPath(given)
            : provider.GetService<WorkingDirectory>()?.Path;
        if (path is null)
        {
            return;
        }

        var absolute = path.MakeAbsolute(environment);
        if (!Directory.Exists(absolute.FullPath))
        {
            throw new UsageException($"Working directory '{absolute.FullPath}' does not exist.");
        }

        environment.WorkingDirectory = absolute;
    }

    private void ValidateArgumentNames()
    {
        if (provider.GetService<IArgumentCatalog>() is not { } catalog)
        {
            return;
        }

        var known = catalog.Arguments.Select(a => a.Name).ToList();
        foreach (var name in command.Arguments.Keys)
        {
            if (!known.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                var all = known.Concat(CommandLine.HostOptions.Select(o => o.Name));
                throw new UsageException($"Unknown option '--{name}'. {NameSuggestion.DidYouMean(name, all)}See --help for the valid options.");
            }
        }
    }

    private void ValidateTaskNames(IReadOnlyList<TaskDefinition> tasks)
    {
        var names = tasks.Select(t => t.Name).ToList();
        var targets = command.Mode == HostMode.Description ? [] : command.Targets;
        foreach (var (kind, name) in targets.Select(t => ("target", t)).Concat(command.Skip.Select(s => ("task to skip", s))))
        {
            if (!names.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw new UsageException(
                    $"Unknown {kind} '{name}'. {NameSuggestion.DidYouMean(name, names)}Valid targets: {string.Join(", ", names.Order(StringComparer.Ordinal))}.");
            }
        }

        foreach (var task in tasks)
        {
            foreach (var edge in task.DependsOn.Concat(task.DependeeOf).Where(e => !names.Contains(e, StringComparer.OrdinalIgnoreCase)))
            {
                throw new UsageException($"Task '{task.Name}' refers to '{edge}', which is not registered.");
            }
        }
    }

    private IScriptHost CreateScriptHost(IFrostingContext context)
    {
        var engine = provider.GetRequiredService<ICakeEngine>();
        return command.Mode switch
        {
            HostMode.DryRun => new DryRunListingHost(engine, context, log, provider.GetService<SkipReasons>()),
            HostMode.Tree => new TreeScriptHost(engine, context, provider.GetRequiredService<IConsole>()),
            HostMode.Description => new DescriptionScriptHost(engine, context, provider.GetRequiredService<IAnsiConsole>()),
            _ => new BuildScriptHost<IFrostingContext>(
                engine,
                provider.GetRequiredService<IExecutionStrategy>(),
                context,
                provider.GetRequiredService<ICakeReportPrinter>(),
                provider.GetRequiredService<ICakeConfiguration>(),
                log),
        };
    }

    private void Register(IScriptHost host, IFrostingContext context, IReadOnlyList<TaskDefinition> tasks)
    {
        foreach (var setup in provider.GetServices<IFrostingSetup>().Where(_ => command.Mode != HostMode.DryRun))
        {
            host.Setup(info => setup.Setup(context, info));
        }

        foreach (var teardown in provider.GetServices<IFrostingTeardown>())
        {
            host.Teardown(info => teardown.Teardown(context, info));
        }

        foreach (var setup in provider.GetServices<IFrostingTaskSetup>())
        {
            host.TaskSetup(info => setup.Setup(context, info));
        }

        foreach (var teardown in provider.GetServices<IFrostingTaskTeardown>())
        {
            host.TaskTeardown(info => teardown.Teardown(context, info));
        }

        var instances = provider.GetServices<IFrostingTask>().ToList();
        var skip = new HashSet<string>(command.Skip, StringComparer.OrdinalIgnoreCase);
        foreach (var definition in tasks)
        {
            var task = instances.First(t => t.GetType() == definition.Type);
            var builder = host.Task(definition.Name);
            if (definition.Description is { } description)
            {
                builder.Description(description);
            }

            foreach (var dependency in definition.DependsOn)
            {
                builder.IsDependentOn(dependency);
            }

            foreach (var dependee in definition.DependeeOf)
            {
                builder.IsDependeeOf(dependee);
            }

            if (skip.Contains(definition.Name))
            {
                builder.WithCriteria(false, SkippedByOption);
            }

            if (TaskCatalog.Overrides(definition.Type, nameof(IFrostingTask.ShouldRun)))
            {
                builder.WithCriteria(_ => task.ShouldRun(context), $"{definition.Name} decided not to run");
            }

            builder.Does(_ => task.RunAsync(context));

            if (TaskCatalog.Overrides(definition.Type, nameof(IFrostingTask.OnError)))
            {
                builder.OnError(ex => task.OnError(ex, context));
            }

            if (TaskCatalog.Overrides(definition.Type, nameof(IFrostingTask.Finally)))
            {
                builder.Finally(() => task.Finally(context));
            }

            if (definition.ContinueOnError)
            {
                var name = definition.Name;
                builder.ContinueOnError();
                builder.ReportError(ex => log.Warning("{0} failed and the build continues (ContinueOnError): {1}", name, Unwrap(ex).Message));
            }
        }
    }
}
