using Npgsql;

namespace Storytailor.Database;

public sealed record DatabaseColumn(string Name, string Type, string TypeName, bool IsEnum, bool NotNull, string? Default, bool IsIdentityOrGenerated);

public sealed record DatabaseTable(string Schema, string Name, bool RowLevelSecurity, IReadOnlyList<DatabaseColumn> Columns, IReadOnlyList<string> PrimaryKey)
{
    public string QualifiedName => $"{Schema}.{Name}";

    /// <summary>The table as SQL: "schema"."name".</summary>
    public string Sql => $"{ThrowawayPostgres.QuoteIdentifier(Schema)}.{ThrowawayPostgres.QuoteIdentifier(Name)}";
}

/// <summary>A foreign key: Child(ChildColumns) references Parent(ParentColumns).</summary>
public sealed record ForeignKey(string Child, IReadOnlyList<string> ChildColumns, string Parent, IReadOnlyList<string> ParentColumns);

/// <summary>The tables, columns, keys and row-level security of the user schemas, read from pg_catalog.</summary>
public sealed class SchemaSnapshot
{
    private SchemaSnapshot(IReadOnlyList<DatabaseTable> tables, IReadOnlyList<ForeignKey> foreignKeys)
    {
        Tables = tables;
        ForeignKeys = foreignKeys;
    }

    public IReadOnlyList<DatabaseTable> Tables { get; }

    public IReadOnlyList<ForeignKey> ForeignKeys { get; }

    public DatabaseTable? Find(string schema, string table) => Tables.FirstOrDefault(t => t.Schema == schema && t.Name == table);

    public DatabaseTable? Find(string qualifiedName) => Tables.FirstOrDefault(t => t.QualifiedName == qualifiedName);

    public static async Task<SchemaSnapshot> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        const string userSchemas = "n.nspname not in ('pg_catalog', 'information_schema', 'supabase_migrations') and n.nspname not like 'pg\\_%'";
        var columns = new Dictionary<uint, List<DatabaseColumn>>();
        await using (var command = new NpgsqlCommand($"""
            select a.attrelid::oid, a.attname, format_type(a.atttypid, a.atttypmod), t.typname, t.typtype = 'e',
                   a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity <> '' or a.attgenerated <> ''
            from pg_attribute a
            join pg_class c on c.oid = a.attrelid
            join pg_namespace n on n.oid = c.relnamespace
            join pg_type t on t.oid = a.atttypid
            left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
            where c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped and {userSchemas}
            order by a.attrelid, a.attnum
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var oid = reader.GetFieldValue<uint>(0);
                if (!columns.TryGetValue(oid, out var list))
                {
                    columns[oid] = list = [];
                }

                list.Add(new DatabaseColumn(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetBoolean(4), reader.GetBoolean(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetBoolean(7)));
            }
        }

        var tables = new List<DatabaseTable>();
        await using (var command = new NpgsqlCommand($$"""
            select c.oid, n.nspname, c.relname, c.relrowsecurity,
                   coalesce((select array_agg(a.attname::text order by k.o)
                             from pg_index i, unnest(i.indkey) with ordinality k(attnum, o), pg_attribute a
                             where i.indrelid = c.oid and i.indisprimary and a.attrelid = c.oid and a.attnum = k.attnum), '{}')
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p') and not c.relispartition and {{userSchemas}}
            order by n.nspname, c.relname
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var oid = reader.GetFieldValue<uint>(0);
                tables.Add(new DatabaseTable(reader.GetString(1), reader.GetString(2), reader.GetBoolean(3),
                    columns.TryGetValue(oid, out var list) ? list : [], reader.GetFieldValue<string[]>(4)));
            }
        }

        var foreignKeys = new List<ForeignKey>();
        await using (var command = new NpgsqlCommand("""
            select cn.nspname || '.' || cc.relname,
                   array(select a.attname::text from unnest(f.conkey) with ordinality k(n, o) join pg_attribute a on a.attrelid = f.conrelid and a.attnum = k.n order by k.o),
                   pn.nspname || '.' || pc.relname,
                   array(select a.attname::text from unnest(f.confkey) with ordinality k(n, o) join pg_attribute a on a.attrelid = f.confrelid and a.attnum = k.n order by k.o)
            from pg_constraint f
            join pg_class cc on cc.oid = f.conrelid join pg_namespace cn on cn.oid = cc.relnamespace
            join pg_class pc on pc.oid = f.confrelid join pg_namespace pn on pn.oid = pc.relnamespace
            where f.contype = 'f'
            order by 1, f.conname
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                foreignKeys.Add(new ForeignKey(reader.GetString(0), reader.GetFieldValue<string[]>(1), reader.GetString(2), reader.GetFieldValue<string[]>(3)));
            }
        }

        return new SchemaSnapshot(tables, foreignKeys);
    }
}
