using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Storytailor.Build.Tests;

/// <summary>
/// The build program compiles unchanged against the Cake.Frosting package: every type it takes from the
/// host assembly is one the package has too. The host's extras live in Frosting.Extras, which stays on a swap.
/// </summary>
public sealed class HostSwapTests
{
    // The public API of the Cake.Frosting package (namespace Cake.Frosting) that a build program may use.
    private static readonly HashSet<string> CakeFrostingPublicTypes = new(StringComparer.Ordinal)
    {
        "CakeHost", "CakeHostExtensions", "ServiceCollectionExtensions", "ICakeHost", "ICakeHostBuilder", "ICakeServices",
        "FrostingContext", "IFrostingContext", "FrostingException", "IFrostingStartup", "IToolInstaller",
        "IFrostingTask", "FrostingTask", "FrostingTask`1", "AsyncFrostingTask", "AsyncFrostingTask`1",
        "IFrostingLifetime", "IFrostingSetup", "IFrostingTeardown", "FrostingLifetime", "FrostingLifetime`1",
        "FrostingSetup", "FrostingSetup`1", "FrostingTeardown", "FrostingTeardown`1",
        "IFrostingTaskLifetime", "IFrostingTaskSetup", "IFrostingTaskTeardown", "FrostingTaskLifetime", "FrostingTaskLifetime`1",
        "FrostingTaskSetup", "FrostingTaskSetup`1", "FrostingTaskTeardown", "FrostingTaskTeardown`1",
        "TaskNameAttribute", "TaskDescriptionAttribute", "IsDependentOnAttribute", "IsDependeeOfAttribute",
        "ContinueOnErrorAttribute", "DependencyAttribute", "ReverseDependencyAttribute",
    };

    [Test]
    public void The_build_program_uses_only_types_the_Cake_Frosting_package_also_has()
    {
        var program = typeof(Storytailor.Build.Context.BuildContext).Assembly.Location;
        using var stream = File.OpenRead(program);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();

        var hostOnly = new SortedSet<string>(StringComparer.Ordinal);
        var fromHost = 0;
        foreach (var handle in metadata.TypeReferences)
        {
            var reference = metadata.GetTypeReference(handle);
            if (reference.ResolutionScope.Kind != HandleKind.AssemblyReference)
            {
                continue;
            }

            var assembly = metadata.GetString(metadata.GetAssemblyReference((AssemblyReferenceHandle)reference.ResolutionScope).Name);
            var name = metadata.GetString(reference.Name);
            fromHost += assembly == "Storytailor.Frosting" ? 1 : 0;
            if (assembly == "Storytailor.Frosting" && !CakeFrostingPublicTypes.Contains(name))
            {
                hostOnly.Add($"{metadata.GetString(reference.Namespace)}.{name}");
            }
        }

        Assert.That(fromHost, Is.GreaterThan(5), "the program's references to the host assembly were not found");
        Assert.That(hostOnly, Is.Empty, "types only this repository's host has; move them to Frosting.Extras or the app");
    }
}
