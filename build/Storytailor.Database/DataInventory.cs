using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Storytailor.Database;

/// <summary>
/// <c>compliance/data-inventory.yml</c>: what personal and children's data the app holds, why,
/// on which lawful basis and for how long; how a user is erased; which packages face children;
/// which SDKs they must not use; and which settings must default to the private choice.
/// </summary>
public sealed class DataInventory
{
    public const string RelativePath = "compliance/data-inventory.yml";

    /// <summary>GDPR Article 6 lawful bases, as the inventory spells them.</summary>
    public static readonly IReadOnlySet<string> LawfulBases = new HashSet<string>(StringComparer.Ordinal)
    {
        "consent", "contract", "legal_obligation", "vital_interests", "public_task", "legitimate_interests",
    };

    /// <summary>The inventory's path relative to the app root, for messages (the app's description may move it).</summary>
    [YamlIgnore]
    public string File { get; set; } = RelativePath;

    public List<string> ExposedSchemas { get; set; } = ["public"];

    public List<InventoryTable> Tables { get; set; } = [];

    public ErasureDeclaration? Erasure { get; set; }

    public List<string> ChildFacingPackages { get; set; } = [];

    public List<string> TrackingDenyList { get; set; } = [];

    public List<PrivacyDefault> PrivacyDefaults { get; set; } = [];

    public static DataInventory Load(string path)
    {
        var deserializer = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build();
        try
        {
            return deserializer.Deserialize<DataInventory>(System.IO.File.ReadAllText(path)) ?? new DataInventory();
        }
        catch (YamlException ex)
        {
            throw new FormatException($"{RelativePath}:{ex.Start.Line}: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
    }

    /// <summary>"users" and "public.users" both name public.users.</summary>
    public static (string Schema, string Table) SplitName(string name)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? ("public", name) : (name[..dot], name[(dot + 1)..]);
    }
}

public sealed class InventoryTable
{
    public string Name { get; set; } = string.Empty;

    public string? Purpose { get; set; }

    public string? LawfulBasis { get; set; }

    public string? Retention { get; set; }

    public bool ChildrenData { get; set; }

    public List<InventoryColumn> Columns { get; set; } = [];
}

public sealed class InventoryColumn
{
    public string Name { get; set; } = string.Empty;

    /// <summary>contact, identity, child, voice, location, content, preference, network, …</summary>
    public string? Category { get; set; }

    public string? Purpose { get; set; }
}

public sealed class ErasureDeclaration
{
    public string? Function { get; set; }

    public string? SubjectTable { get; set; }
}

public sealed class PrivacyDefault
{
    public string Table { get; set; } = string.Empty;

    public string Column { get; set; } = string.Empty;

    public string Default { get; set; } = string.Empty;
}
