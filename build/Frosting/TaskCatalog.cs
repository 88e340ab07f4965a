using System.Reflection;

namespace Cake.Frosting;

/// <summary>A task class as the host sees it: its name, description and edges.</summary>
internal sealed record TaskDefinition(
    Type Type,
    string Name,
    string? Description,
    IReadOnlyList<string> DependsOn,
    IReadOnlyList<string> DependeeOf,
    bool ContinueOnError);

/// <summary>Discovers task classes (public, concrete, implementing <see cref="IFrostingTask"/>) in assemblies.</summary>
internal static class TaskCatalog
{
    public static IReadOnlyList<TaskDefinition> Discover(IEnumerable<Assembly> assemblies)
    {
        var types = assemblies
            .Distinct()
            .SelectMany(a => a.GetExportedTypes())
            .Where(IsTask)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .ToList();

        var definitions = new List<TaskDefinition>();
        var names = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in types)
        {
            var name = NameOf(type);
            if (names.TryGetValue(name, out var other))
            {
                throw new UsageException($"Two task classes share the name '{name}': {other.FullName} and {type.FullName}.");
            }

            names[name] = type;
            definitions.Add(new TaskDefinition(
                type,
                name,
                type.GetCustomAttribute<TaskDescriptionAttribute>()?.Description,
                type.GetCustomAttributes<IsDependentOnAttribute>().Select(a => Reference(type, a.Task)).ToList(),
                type.GetCustomAttributes<IsDependeeOfAttribute>().Select(a => Reference(type, a.Task)).ToList(),
                type.GetCustomAttribute<ContinueOnErrorAttribute>() is not null));
        }

        return definitions;
    }

    public static bool IsTask(Type type) =>
        type is { IsClass: true, IsAbstract: false, IsPublic: true } && typeof(IFrostingTask).IsAssignableFrom(type);

    public static string NameOf(Type type) => type.GetCustomAttribute<TaskNameAttribute>()?.Name ?? type.Name;

    /// <summary>True when <paramref name="type"/> overrides <paramref name="method"/> of its Frosting base class.</summary>
    public static bool Overrides(Type type, string method)
    {
        var found = type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.Name == method && m.GetBaseDefinition().DeclaringType is { IsGenericType: true } declaring
                && IsFrostingBase(declaring.GetGenericTypeDefinition()))
            .ToList();
        return found.Any(m => !IsFrostingBase(Generic(m.DeclaringType!)));
    }

    private static Type Generic(Type type) => type.IsGenericType ? type.GetGenericTypeDefinition() : type;

    private static bool IsFrostingBase(Type type) =>
        type == typeof(FrostingTask<>) || type == typeof(AsyncFrostingTask<>);

    private static string Reference(Type owner, Type target)
    {
        if (!typeof(IFrostingTask).IsAssignableFrom(target))
        {
            throw new UsageException($"{owner.Name} refers to {target.Name}, which is not a task.");
        }

        return NameOf(target);
    }
}
