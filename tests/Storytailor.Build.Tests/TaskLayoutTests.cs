using System.Reflection;
using System.Text.RegularExpressions;
using Cake.Frosting;

namespace Storytailor.Build.Tests;

/// <summary>
/// A newcomer finds a task by its name: one task per file, the file and class named after the task, and a one-line
/// description (the detail is in the README).
/// </summary>
public sealed class TaskLayoutTests
{
    private const int DescriptionLimit = 120;

    private static readonly string TasksFolder = Path.Combine(BuildProgram.RepositoryRoot, "build", "Storytailor.Build", "Tasks");

    private static IEnumerable<Type> Tasks() =>
        typeof(Storytailor.Build.Context.BuildContext).Assembly.GetExportedTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IFrostingTask).IsAssignableFrom(t));

    [Test]
    public void Every_task_class_is_named_after_its_task_in_a_file_of_that_name()
    {
        var tasks = Tasks().ToList();
        Assert.That(tasks, Has.Count.GreaterThan(15), "the build program's tasks were not found");
        foreach (var task in tasks)
        {
            var name = task.GetCustomAttribute<TaskNameAttribute>()?.Name ?? task.Name;
            Assert.That(task.Name, Is.EqualTo(name), $"the class of task {name}");
            var files = Directory.GetFiles(TasksFolder, name + ".cs", SearchOption.AllDirectories);
            Assert.That(files, Has.Length.EqualTo(1), $"one file {name}.cs under Tasks/");
            var classes = File.ReadAllLines(files[0]).Count(line => Regex.IsMatch(line, @"^public (sealed |abstract |static )*class "));
            Assert.That(classes, Is.EqualTo(1), $"{files[0]} declares one class: its task");
        }
    }

    [Test]
    public void Every_task_description_is_one_short_line()
    {
        foreach (var task in Tasks())
        {
            var description = task.GetCustomAttribute<TaskDescriptionAttribute>()?.Description;
            Assert.That(description, Is.Not.Null.And.Not.Empty, task.Name);
            Assert.That(description!.Length, Is.LessThan(DescriptionLimit), $"{task.Name}: {description}");
            Assert.That(description, Does.Not.Contain('\n'), task.Name);
        }
    }
}
