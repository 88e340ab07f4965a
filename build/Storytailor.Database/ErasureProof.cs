using System.Globalization;
using System.Text;
using Npgsql;

namespace Storytailor.Database;

/// <summary>
/// Right to erasure (GDPR Art. 17, COPPA deletion on parental request): inside a transaction
/// that is rolled back, insert a test user, then one row in every table that references it
/// (directly or through other tables: children, their stories, …), call the inventory's erasure
/// function with the user's key, and prove that none of those rows remains in an inventoried table.
/// </summary>
internal sealed class ErasureProof(NpgsqlConnection connection, SchemaSnapshot schema, DataInventory inventory)
{
    private const string Rule = ComplianceChecker.ErasureRule;

    /// <summary>Rows inserted or found per table, as column → text value.</summary>
    private readonly Dictionary<string, List<Dictionary<string, string?>>> _rows = new(StringComparer.Ordinal);
    private int _counter;

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var function = inventory.Erasure?.Function;
        var subjectName = inventory.Erasure?.SubjectTable;
        if (string.IsNullOrWhiteSpace(function) || string.IsNullOrWhiteSpace(subjectName))
        {
            return CheckOutcome.Fail(Rule, [$"{Rule}: {DataInventory.RelativePath} must name erasure.function and erasure.subject_table"]);
        }

        var (functionSchema, functionName) = DataInventory.SplitName(function);
        await using (var exists = new NpgsqlCommand("select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = $1 and p.proname = $2", connection))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = functionSchema });
            exists.Parameters.Add(new NpgsqlParameter { Value = functionName });
            if ((long)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 0)
            {
                return CheckOutcome.Fail(Rule, [$"{Rule}: erasure function {functionSchema}.{functionName} named in {DataInventory.RelativePath} does not exist"]);
            }
        }

        var (subjectSchema, subjectTable) = DataInventory.SplitName(subjectName);
        var subject = schema.Find(subjectSchema, subjectTable);
        if (subject is null)
        {
            return CheckOutcome.Fail(Rule, [$"{Rule}: subject table {subjectSchema}.{subjectTable} does not exist"]);
        }

        if (subject.PrimaryKey.Count != 1)
        {
            return CheckOutcome.Fail(Rule, [$"{Rule}: could not run: subject table {subject.QualifiedName} needs a single-column primary key to pass to {function}"]);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ProveAsync(transaction, subject, $"{ThrowawayPostgres.QuoteIdentifier(functionSchema)}.{ThrowawayPostgres.QuoteIdentifier(functionName)}", cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            return CheckOutcome.Fail(Rule, [$"{Rule}: could not run: {ex.MessageText}{(ex.TableName is null ? string.Empty : $" (table {ex.SchemaName}.{ex.TableName})")}"]);
        }
        catch (InvalidOperationException ex)
        {
            return CheckOutcome.Fail(Rule, [$"{Rule}: could not run: {ex.Message}"]);
        }
        finally
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<CheckOutcome> ProveAsync(NpgsqlTransaction transaction, DatabaseTable subject, string function, CancellationToken cancellationToken)
    {
        var user = await InsertAsync(transaction, subject, [], cancellationToken).ConfigureAwait(false);
        _rows[subject.QualifiedName] = [user];

        // Tables linked to the user: follow foreign keys from populated tables until nothing new can be filled.
        var linked = Reachable(subject.QualifiedName);
        var pending = linked.Where(t => t != subject.QualifiedName).ToList();
        var failures = new List<string>();
        bool progress;
        do
        {
            progress = false;
            foreach (var tableName in pending.ToList())
            {
                var table = schema.Find(tableName)!;
                var keys = schema.ForeignKeys.Where(f => f.Child == tableName).ToList();
                var required = keys.Where(f => f.ChildColumns.Any(c => table.Columns.First(dc => dc.Name == c).NotNull)).ToList();
                if (required.Any(f => !_rows.ContainsKey(f.Parent) && f.Parent != tableName))
                {
                    continue;
                }

                var values = new Dictionary<string, string?>(StringComparer.Ordinal);
                foreach (var key in keys.Where(f => _rows.ContainsKey(f.Parent)))
                {
                    var parentRow = _rows[key.Parent][0];
                    for (var i = 0; i < key.ChildColumns.Count; i++)
                    {
                        values[key.ChildColumns[i]] = parentRow[key.ParentColumns[i]];
                    }
                }

                // A trigger may already have made the linked row (e.g. default settings for a new user).
                var existing = await SelectAsync(transaction, table, values, cancellationToken).ConfigureAwait(false);
                _rows[tableName] = existing.Count > 0 ? existing : [await InsertAsync(transaction, table, values, cancellationToken).ConfigureAwait(false)];
                pending.Remove(tableName);
                progress = true;
            }
        }
        while (progress && pending.Count > 0);

        foreach (var tableName in pending)
        {
            var blocking = schema.ForeignKeys.Where(f => f.Child == tableName && !_rows.ContainsKey(f.Parent)).Select(f => f.Parent).Distinct();
            failures.Add($"{Rule}: could not run: no test row for {tableName}: it requires rows in {string.Join(", ", blocking)}, which are not linked to the user");
        }

        var userKey = user[subject.PrimaryKey[0]];
        await using (var call = new NpgsqlCommand($"select {function}($1::text::{TypeOf(subject, subject.PrimaryKey[0])})", connection, transaction))
        {
            call.Parameters.Add(new NpgsqlParameter { Value = userKey });
            await call.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var inventoried = inventory.Tables.Select(t => DataInventory.SplitName(t.Name)).Select(t => $"{t.Item1}.{t.Item2}").ToHashSet(StringComparer.Ordinal);
        var checkedRows = 0;
        foreach (var (tableName, rows) in _rows)
        {
            if (!inventoried.Contains(tableName))
            {
                continue;
            }

            var table = schema.Find(tableName)!;
            var identity = table.PrimaryKey.Count > 0 ? table.PrimaryKey : [.. table.Columns.Select(c => c.Name)];
            foreach (var row in rows)
            {
                checkedRows++;
                var match = identity.ToDictionary(c => c, c => row[c], StringComparer.Ordinal);
                if ((await SelectAsync(transaction, table, match, cancellationToken).ConfigureAwait(false)).Count > 0)
                {
                    failures.Add($"{Rule}: {function.Replace("\"", string.Empty, StringComparison.Ordinal)}({userKey}) left a row of the test user in {tableName} ({string.Join(", ", match.Select(kv => $"{kv.Key}={kv.Value}"))})");
                }
            }
        }

        var uninventoried = _rows.Keys.Where(t => !inventoried.Contains(t)).ToList();
        var note = $"test user with rows in {string.Join(", ", _rows.Keys)}; {checkedRows} row(s) checked after erasure, all rolled back"
            + (uninventoried.Count > 0 ? $"; linked tables not in the inventory (not checked): {string.Join(", ", uninventoried)}" : string.Empty);
        return CheckOutcome.From(Rule, failures, note);
    }

    private HashSet<string> Reachable(string root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { root };
        var queue = new Queue<string>([root]);
        while (queue.Count > 0)
        {
            var parent = queue.Dequeue();
            foreach (var child in schema.ForeignKeys.Where(f => f.Parent == parent).Select(f => f.Child))
            {
                if (seen.Add(child))
                {
                    queue.Enqueue(child);
                }
            }
        }

        return seen;
    }

    private async Task<Dictionary<string, string?>> InsertAsync(NpgsqlTransaction transaction, DatabaseTable table, Dictionary<string, string?> given, CancellationToken cancellationToken)
    {
        var columns = new List<string>();
        var expressions = new List<string>();
        var parameters = new List<string?>();
        foreach (var column in table.Columns)
        {
            if (given.TryGetValue(column.Name, out var value))
            {
                parameters.Add(value);
                expressions.Add($"${parameters.Count}::text::{column.Type}");
                columns.Add(column.Name);
            }
            else if (column.NotNull && column.Default is null && !column.IsIdentityOrGenerated)
            {
                expressions.Add(TestValue(column));
                columns.Add(column.Name);
            }
        }

        var sql = new StringBuilder($"insert into {table.Sql} ");
        sql.Append(columns.Count == 0
            ? "default values"
            : $"({string.Join(", ", columns.Select(ThrowawayPostgres.QuoteIdentifier))}) values ({string.Join(", ", expressions)})");
        sql.Append(" returning to_jsonb(").Append(ThrowawayPostgres.QuoteIdentifier(table.Name)).Append(")::text");
        await using var command = new NpgsqlCommand(sql.ToString(), connection, transaction);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)parameter ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        }

        var json = (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        return RowFromJson(json);
    }

    private async Task<List<Dictionary<string, string?>>> SelectAsync(NpgsqlTransaction transaction, DatabaseTable table, Dictionary<string, string?> match, CancellationToken cancellationToken)
    {
        var conditions = new List<string>();
        await using var command = new NpgsqlCommand { Connection = connection, Transaction = transaction };
        foreach (var (column, value) in match)
        {
            if (value is null)
            {
                conditions.Add($"t.{ThrowawayPostgres.QuoteIdentifier(column)} is null");
                continue;
            }

            command.Parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            conditions.Add($"t.{ThrowawayPostgres.QuoteIdentifier(column)} = ${command.Parameters.Count}::text::{TypeOf(table, column)}");
        }

        command.CommandText = $"select to_jsonb(t)::text from {table.Sql} t where {(conditions.Count == 0 ? "false" : string.Join(" and ", conditions))}";
        var rows = new List<Dictionary<string, string?>>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(RowFromJson(reader.GetString(0)));
        }

        return rows;
    }

    private static string TypeOf(DatabaseTable table, string column) => table.Columns.First(c => c.Name == column).Type;

    private static Dictionary<string, string?> RowFromJson(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.EnumerateObject().ToDictionary(
            p => p.Name,
            p => p.Value.ValueKind switch
            {
                System.Text.Json.JsonValueKind.Null => null,
                System.Text.Json.JsonValueKind.String => p.Value.GetString(),
                _ => p.Value.GetRawText(),
            },
            StringComparer.Ordinal);
    }

    /// <summary>A plausible value for a required column: valid e-mail-like text, a child's birth date, …</summary>
    private string TestValue(DatabaseColumn column)
    {
        var n = Interlocked.Increment(ref _counter);
        var unique = $"erasure.check{n}.{Guid.NewGuid().ToString("N")[..8]}@example.invalid";
        if (column.IsEnum)
        {
            return $"(select e.enumlabel::{column.Type} from pg_enum e where e.enumtypid = '{column.Type}'::regtype order by e.enumsortorder limit 1)";
        }

        return column.TypeName switch
        {
            "text" or "varchar" or "bpchar" or "citext" or "name" => $"left('{unique}', coalesce(nullif(regexp_replace('{column.Type}', '\\D', '', 'g'), '')::int, 200))::{column.Type}",
            "uuid" => "gen_random_uuid()",
            "int2" or "int4" or "int8" or "numeric" or "float4" or "float8" => $"{(n % 100) + 1}::{column.Type}",
            "bool" => "false",
            "date" => "date '2016-06-01'",
            "timestamp" or "timestamptz" => $"now()::{column.Type}",
            "time" or "timetz" => $"'12:00'::{column.Type}",
            "interval" => "interval '1 day'",
            "json" or "jsonb" => $"'{{}}'::{column.Type}",
            "inet" or "cidr" => $"'192.0.2.{(n % 200) + 1}'::{column.Type}",
            "bytea" => "'\\x00'::bytea",
            _ when column.TypeName.StartsWith('_') => $"'{{}}'::{column.Type}",
            _ => throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"no test value for column {column.Name} of type {column.Type}")),
        };
    }
}
