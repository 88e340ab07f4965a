using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace Storytailor.Database;

/// <summary>The compliance rules' outcome, one entry per rule.</summary>
public sealed record ComplianceResult(IReadOnlyList<CheckOutcome> Rules)
{
    public bool Passed => Rules.All(r => r.Status == CheckStatus.Passed);

    public IEnumerable<string> Failures => Rules.SelectMany(r => r.Failures);
}

/// <summary>
/// COPPA, GDPR and UK Children's Code checks against a migrated database and the app's files,
/// driven by <c>compliance/data-inventory.yml</c>. Every failure names the rule and the table,
/// column, package or file.
/// </summary>
public sealed partial class ComplianceChecker
{
    public const string InventoryRule = "inventory-complete";
    public const string RlsRule = "rls-enabled";
    public const string PersonalColumnsRule = "personal-columns-inventoried";
    public const string InventoryExistsRule = "inventoried-columns-exist";
    public const string ErasureRule = "right-to-erasure";
    public const string PrivacyDefaultsRule = "privacy-by-default";

    /// <summary>The data inventory, relative to the app root.</summary>
    public string InventoryFile { get; init; } = DataInventory.RelativePath;

    /// <summary>Column values the app declares for the erasure proof's test rows: "schema.table" → column → value.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> ErasureRows { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <param name="appRoot">The app: holds the data inventory and the packages.</param>
    /// <param name="database">The database the migrations were applied to.</param>
    public async Task<ComplianceResult> CheckAsync(string appRoot, PostgresUrl database, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        var inventoryPath = Path.Combine(appRoot, InventoryFile);
        if (!File.Exists(inventoryPath))
        {
            return new ComplianceResult([CheckOutcome.Fail(InventoryRule, [$"{InventoryRule}: {InventoryFile} not found in {appRoot}"])]);
        }

        DataInventory inventory;
        try
        {
            inventory = DataInventory.Load(inventoryPath);
            inventory.File = InventoryFile;
        }
        catch (FormatException ex)
        {
            return new ComplianceResult([CheckOutcome.Fail(InventoryRule, [$"{InventoryRule}: {ex.Message}"])]);
        }

        var rules = new List<CheckOutcome> { CheckInventory(inventory) };
        await using var connection = new NpgsqlConnection(database.ToConnectionString());
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            rules.Add(CheckOutcome.Fail("database", [$"could not run: cannot connect to {database.Host}:{database.Port}/{database.Database}: {ex.Message}"]));
            rules.Add(TrackerDependencies.Check(appRoot, inventory.ChildFacingPackages, inventory.TrackingDenyList));
            return new ComplianceResult(rules);
        }

        var schema = await SchemaSnapshot.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
        rules.Add(CheckRowLevelSecurity(schema, inventory));
        rules.Add(CheckPersonalColumns(schema, inventory));
        rules.Add(CheckInventoryExists(schema, inventory));
        rules.Add(await new ErasureProof(connection, schema, inventory, ErasureRows).RunAsync(cancellationToken).ConfigureAwait(false));
        rules.Add(TrackerDependencies.Check(appRoot, inventory.ChildFacingPackages, inventory.TrackingDenyList));
        rules.Add(CheckPrivacyDefaults(schema, inventory));
        return new ComplianceResult(rules);
    }

    internal static CheckOutcome CheckInventory(DataInventory inventory)
    {
        var failures = new List<string>();
        if (inventory.ExposedSchemas.Count == 0)
        {
            failures.Add($"{InventoryRule}: {inventory.File} lists no exposed_schemas");
        }

        foreach (var table in inventory.Tables)
        {
            var where = $"{InventoryRule}: {inventory.File} table '{table.Name}'";
            if (string.IsNullOrWhiteSpace(table.Purpose))
            {
                failures.Add($"{where} has no purpose");
            }

            if (string.IsNullOrWhiteSpace(table.LawfulBasis) || !DataInventory.LawfulBases.Contains(table.LawfulBasis))
            {
                failures.Add($"{where} has lawful_basis '{table.LawfulBasis}'; expected one of {string.Join(", ", DataInventory.LawfulBases)}");
            }

            if (string.IsNullOrWhiteSpace(table.Retention))
            {
                failures.Add($"{where} has no retention");
            }

            foreach (var column in table.Columns.Where(c => string.IsNullOrWhiteSpace(c.Category) || string.IsNullOrWhiteSpace(c.Purpose)))
            {
                failures.Add($"{where} column '{column.Name}' needs a category and a purpose");
            }
        }

        return CheckOutcome.From(InventoryRule, failures, $"{inventory.Tables.Count} table(s) inventoried");
    }

    internal static CheckOutcome CheckRowLevelSecurity(SchemaSnapshot schema, DataInventory inventory)
    {
        var exposed = schema.Tables.Where(t => inventory.ExposedSchemas.Contains(t.Schema, StringComparer.Ordinal)).ToList();
        var failures = exposed.Where(t => !t.RowLevelSecurity)
            .Select(t => $"{RlsRule}: table {t.QualifiedName} has row-level security disabled (ALTER TABLE {t.QualifiedName} ENABLE ROW LEVEL SECURITY)")
            .ToList();
        return CheckOutcome.From(RlsRule, failures, $"{exposed.Count} table(s) in {string.Join(", ", inventory.ExposedSchemas)}");
    }

    internal static CheckOutcome CheckPersonalColumns(SchemaSnapshot schema, DataInventory inventory)
    {
        var listed = InventoriedColumns(inventory);
        var failures = new List<string>();
        var count = 0;
        foreach (var table in schema.Tables.Where(t => inventory.ExposedSchemas.Contains(t.Schema, StringComparer.Ordinal)))
        {
            foreach (var column in table.Columns.Where(c => PersonalColumns.LooksPersonal(c.Name)))
            {
                count++;
                if (!listed.Contains($"{table.QualifiedName}.{column.Name}"))
                {
                    failures.Add($"{PersonalColumnsRule}: column {table.QualifiedName}.{column.Name} looks personal but is not in {inventory.File}");
                }
            }
        }

        return CheckOutcome.From(PersonalColumnsRule, failures, $"{count} personal-looking column(s) found");
    }

    internal static CheckOutcome CheckInventoryExists(SchemaSnapshot schema, DataInventory inventory)
    {
        var failures = new List<string>();
        foreach (var table in inventory.Tables)
        {
            var (schemaName, tableName) = DataInventory.SplitName(table.Name);
            var found = schema.Find(schemaName, tableName);
            if (found is null)
            {
                failures.Add($"{InventoryExistsRule}: table {schemaName}.{tableName} is in {inventory.File} but not in the database");
                continue;
            }

            foreach (var column in table.Columns.Where(c => found.Columns.All(dc => dc.Name != c.Name)))
            {
                failures.Add($"{InventoryExistsRule}: column {found.QualifiedName}.{column.Name} is in {inventory.File} but not in the database");
            }
        }

        return CheckOutcome.From(InventoryExistsRule, failures);
    }

    internal static CheckOutcome CheckPrivacyDefaults(SchemaSnapshot schema, DataInventory inventory)
    {
        if (inventory.PrivacyDefaults.Count == 0)
        {
            return CheckOutcome.Fail(PrivacyDefaultsRule, [$"{PrivacyDefaultsRule}: {inventory.File} declares no privacy_defaults"]);
        }

        var failures = new List<string>();
        foreach (var declared in inventory.PrivacyDefaults)
        {
            var (schemaName, tableName) = DataInventory.SplitName(declared.Table);
            var column = schema.Find(schemaName, tableName)?.Columns.FirstOrDefault(c => c.Name == declared.Column);
            if (column is null)
            {
                failures.Add($"{PrivacyDefaultsRule}: column {schemaName}.{tableName}.{declared.Column} declared in privacy_defaults does not exist");
            }
            else if (column.Default is null)
            {
                failures.Add($"{PrivacyDefaultsRule}: column {schemaName}.{tableName}.{declared.Column} has no default; the inventory declares '{declared.Default}'");
            }
            else if (NormalizeDefault(column.Default) != NormalizeDefault(declared.Default))
            {
                failures.Add($"{PrivacyDefaultsRule}: column {schemaName}.{tableName}.{declared.Column} defaults to '{column.Default}'; the inventory declares '{declared.Default}'");
            }
        }

        return CheckOutcome.From(PrivacyDefaultsRule, failures, $"{inventory.PrivacyDefaults.Count} setting(s) checked");
    }

    /// <summary><c>'false'::boolean</c>, <c>false</c> and <c>FALSE</c> are the same default.</summary>
    internal static string NormalizeDefault(string value)
    {
        var text = value.Trim();
        string previous;
        do
        {
            previous = text;
            text = CastSuffix().Replace(text, string.Empty).Trim();
            if (text.Length >= 2 && text[0] == '(' && text[^1] == ')')
            {
                text = text[1..^1].Trim();
            }

            if (text.Length >= 2 && text[0] == '\'' && text[^1] == '\'')
            {
                text = text[1..^1].Replace("''", "'", StringComparison.Ordinal);
            }
        }
        while (text != previous);

        return text.ToLower(CultureInfo.InvariantCulture) switch
        {
            "f" or "0" or "no" or "off" => "false",
            "t" or "1" or "yes" or "on" => "true",
            var other => other,
        };
    }

    private static HashSet<string> InventoriedColumns(DataInventory inventory) =>
        inventory.Tables.SelectMany(t =>
        {
            var (s, n) = DataInventory.SplitName(t.Name);
            return t.Columns.Select(c => $"{s}.{n}.{c.Name}");
        }).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"::[a-z_ ]+(?:\([0-9, ]*\))?(?:\[\])?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CastSuffix();
}
