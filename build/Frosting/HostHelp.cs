using Spectre.Console;

namespace Cake.Frosting;

/// <summary>Writes --help: usage, targets with descriptions, host options and build arguments.</summary>
internal sealed class HostHelp(IAnsiConsole console, IReadOnlyList<TaskDefinition> tasks, IArgumentCatalog? arguments)
{
    public void Write()
    {
        console.WriteLine("Usage: ./build.sh [--target=<task>]... [options] [--<argument>=<value>]...");
        console.WriteLine();

        var targets = new Table().AddColumn("Target").AddColumn("Description").AddColumn("Depends on");
        foreach (var task in tasks.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            targets.AddRow(
                Markup.Escape(task.Name),
                Markup.Escape(task.Description ?? string.Empty),
                Markup.Escape(string.Join(", ", task.DependsOn)));
        }

        console.Write(new Rule("Targets").LeftJustified());
        console.Write(targets);

        var options = new Table().AddColumn("Option").AddColumn("Description");
        foreach (var (name, shortName, help) in CommandLine.HostOptions)
        {
            options.AddRow(Markup.Escape($"--{name}" + (shortName is null ? string.Empty : $", -{shortName}")), Markup.Escape(help));
        }

        console.Write(new Rule("Options").LeftJustified());
        console.Write(options);

        if (arguments is not null)
        {
            var table = new Table().AddColumn("Argument").AddColumn("Default").AddColumn("Description").AddColumn("Also set by");
            foreach (var argument in arguments.Arguments.OrderBy(a => a.Name, StringComparer.Ordinal))
            {
                table.AddRow(
                    Markup.Escape($"--{argument.Name}=<{argument.Type}>"),
                    Markup.Escape(argument.Default),
                    Markup.Escape(argument.Description),
                    Markup.Escape(argument.AlsoSetBy));
            }

            console.Write(new Rule("Arguments (argument > environment variable > cake.config)").LeftJustified());
            console.Write(table);
            foreach (var line in arguments.HelpNotes)
            {
                console.WriteLine(line);
            }
        }

        console.WriteLine("Exit codes: 0 success, 1 a task failed, 2 usage or configuration error.");
    }
}
