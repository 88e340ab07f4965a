using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace Storytailor.Database;

/// <summary>
/// Right to erasure (GDPR Art. 17, COPPA deletion on parental request): inside a transaction
/// that is rolled back, insert a test user, then one row in every table that references it
/// (directly or through other tables: children, their stories, …), call the inventory's erasure
/// function with the user's key, and prove that none of those rows remains in an inventoried table.
/// Test rows satisfy the tables' constraints: NOT NULL columns are filled, foreign keys point to rows inserted
/// first, UNIQUE columns get fresh values, and a CHECK constraint that refuses a value makes the columns it reads
/// try other candidates (literals of the constraint itself first). Values the app declares for a table are used as given.
/// </summary>
internal sealed partial class ErasureProof(NpgsqlConnection connection, SchemaSnapshot schema, DataInventory inventory, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? declaredRows = null)
{
    private const int MaxAttempts = 12;

    /// <summary>Where the app declares test-row values (named in messages).</summary>
    public const string DeclareHint = "erasure.rows in the app's storytailor.yml";

    private const string Rule = ComplianceChecker.ErasureRule;

    /// <summary>Rows inserted or found per table, as column → text value.</summary>
    private readonly Dictionary<string, List<Dictionary<string, string?>>> _rows = new(StringComparer.Ordinal);
    private int _counter;

    /// <summary>Tables given a row only because a test row needs it (not the user's data: not checked after erasure).</summary>
    private readonly HashSet<string> _supporting = new(StringComparer.Ordinal);

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var function = inventory.Erasure?.Function;
        var subjectName = inventory.Erasure?.SubjectTable;
        if (string.IsNullOrWhiteSpace(function) || string.IsNullOrWhiteSpace(subjectName))
        {
            return CheckOutcome.Fail(Rule, [$"{Rule}: {inventory.File} must name erasure.function and erasure.subject_table"]);
        }

        var (functionSchema, functionName) = DataInventory.SplitName(function);
        await using (var exists = new NpgsqlCommand("select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = $1 and p.proname = $2", connection))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = functionSchema });
            exists.Parameters.Add(new NpgsqlParameter { Value = functionName });
            if ((long)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 0)
            {
                return CheckOutcome.Fail(Rule, [$"{Rule}: erasure function {functionSchema}.{functionName} named in {inventory.File} does not exist"]);
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
                if (required.Any(f => !_rows.ContainsKey(f.Parent) && f.Parent != tableName && linked.Contains(f.Parent)))
                {
                    continue;
                }

                // A required parent outside the user's rows (a lookup table, say): give it a row of its own first.
                foreach (var key in required.Where(f => !_rows.ContainsKey(f.Parent) && f.Parent != tableName))
                {
                    await EnsureRowAsync(transaction, key.Parent, 0, cancellationToken).ConfigureAwait(false);
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
            if (!inventoried.Contains(tableName) || _supporting.Contains(tableName))
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

        var uninventoried = _rows.Keys.Where(t => !inventoried.Contains(t) && !_supporting.Contains(t)).ToList();
        var note = $"test user with rows in {string.Join(", ", _rows.Keys.Where(t => !_supporting.Contains(t)))}; {checkedRows} row(s) checked after erasure, all rolled back"
            + (_supporting.Count > 0 ? $"; rows their foreign keys need in {string.Join(", ", _supporting)}" : string.Empty)
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

    /// <summary>A row in a table outside the user's rows that a test row needs (its own required parents first).</summary>
    private async Task EnsureRowAsync(NpgsqlTransaction transaction, string tableName, int depth, CancellationToken cancellationToken)
    {
        if (_rows.ContainsKey(tableName))
        {
            return;
        }

        var table = schema.Find(tableName) ?? throw new InvalidOperationException($"table {tableName} is referenced by a foreign key but not found");
        if (depth > 5)
        {
            throw new InvalidOperationException($"no test row for {tableName}: its foreign keys nest too deep; declare its rows in {DeclareHint}");
        }

        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var key in schema.ForeignKeys.Where(f => f.Child == tableName && f.Parent != tableName && f.ChildColumns.Any(c => table.Columns.First(dc => dc.Name == c).NotNull)))
        {
            await EnsureRowAsync(transaction, key.Parent, depth + 1, cancellationToken).ConfigureAwait(false);
            var parentRow = _rows[key.Parent][0];
            for (var i = 0; i < key.ChildColumns.Count; i++)
            {
                values[key.ChildColumns[i]] = parentRow[key.ParentColumns[i]];
            }
        }

        _rows[tableName] = [await InsertAsync(transaction, table, values, cancellationToken).ConfigureAwait(false)];
        _supporting.Add(tableName);
    }

    /// <summary>
    /// Inserts one test row: the given values (foreign keys), then the app's declared values, then generated values for
    /// every other required column. A refused value (CHECK, UNIQUE, NOT NULL, too long) is retried with the next
    /// candidate for the columns of the constraint, inside a savepoint; when no candidate fits, the message names the
    /// table, the constraint and where to declare the row.
    /// </summary>
    private async Task<Dictionary<string, string?>> InsertAsync(NpgsqlTransaction transaction, DatabaseTable table, Dictionary<string, string?> given, CancellationToken cancellationToken)
    {
        var declared = declaredRows is not null && declaredRows.TryGetValue(table.QualifiedName, out var row) ? row : new Dictionary<string, string>();
        var unknown = declared.Keys.Where(c => table.Columns.All(dc => dc.Name != c)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException($"{DeclareHint} names column(s) {string.Join(", ", unknown)} that {table.QualifiedName} does not have");
        }

        var checks = await CheckConstraintsAsync(transaction, table, cancellationToken).ConfigureAwait(false);
        var attempts = new Dictionary<string, int>(StringComparer.Ordinal);
        var forced = new HashSet<string>(StringComparer.Ordinal);
        PostgresException? last = null;
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var columns = new List<string>();
            var expressions = new List<string>();
            var parameters = new List<string?>();
            foreach (var column in table.Columns)
            {
                string? value;
                if (given.TryGetValue(column.Name, out value) || declared.TryGetValue(column.Name, out value))
                {
                    parameters.Add(value);
                    expressions.Add($"${parameters.Count}::text::{column.Type}");
                    columns.Add(column.Name);
                }
                else if ((column.NotNull && column.Default is null && !column.IsIdentityOrGenerated) || forced.Contains(column.Name))
                {
                    var literals = checks.Where(c => c.Columns.Contains(column.Name)).SelectMany(c => c.Literals).Distinct(StringComparer.Ordinal).ToList();
                    expressions.Add(TestValue(column, attempts.GetValueOrDefault(column.Name), literals));
                    columns.Add(column.Name);
                }
            }

            var sql = new StringBuilder($"insert into {table.Sql} ");
            sql.Append(columns.Count == 0
                ? "default values"
                : $"({string.Join(", ", columns.Select(ThrowawayPostgres.QuoteIdentifier))}) values ({string.Join(", ", expressions)})");
            sql.Append(" returning to_jsonb(").Append(ThrowawayPostgres.QuoteIdentifier(table.Name)).Append(")::text");
            await using (var savepoint = new NpgsqlCommand("savepoint erasure_test_row", connection, transaction))
            {
                await savepoint.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await using var command = new NpgsqlCommand(sql.ToString(), connection, transaction);
                foreach (var parameter in parameters)
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = (object?)parameter ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                }

                var json = (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                await using (var release = new NpgsqlCommand("release savepoint erasure_test_row", connection, transaction))
                {
                    await release.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                return RowFromJson(json);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.CheckViolation or PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.NotNullViolation or PostgresErrorCodes.StringDataRightTruncation or PostgresErrorCodes.InvalidTextRepresentation or PostgresErrorCodes.NumericValueOutOfRange or PostgresErrorCodes.DatetimeFieldOverflow)
            {
                last = ex;
                await using (var rollback = new NpgsqlCommand("rollback to savepoint erasure_test_row", connection, transaction))
                {
                    await rollback.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                var culprits = ex.SqlState switch
                {
                    PostgresErrorCodes.CheckViolation => checks.FirstOrDefault(c => c.Name == ex.ConstraintName)?.Columns ?? [],
                    PostgresErrorCodes.UniqueViolation => await ConstraintColumnsAsync(transaction, table, ex.ConstraintName, cancellationToken).ConfigureAwait(false),
                    PostgresErrorCodes.NotNullViolation when ex.ColumnName is { } nullColumn => Force(nullColumn),
                    _ => ex.ColumnName is { } column ? [column] : [.. table.Columns.Where(c => columns.Contains(c.Name) && !given.ContainsKey(c.Name) && !declared.ContainsKey(c.Name)).Select(c => c.Name)],
                };
                var generated = culprits.Where(c => !given.ContainsKey(c) && !declared.ContainsKey(c)).ToList();
                if (generated.Count == 0)
                {
                    break; // only given or declared values are involved: trying again changes nothing
                }

                foreach (var column in generated)
                {
                    forced.Add(column);
                    attempts[column] = attempts.GetValueOrDefault(column) + 1;
                }
            }
        }

        var what = last is null ? "no value fits" : last.ConstraintName is { } constraint
            ? $"{ConstraintKind(last.SqlState)} {constraint}{(checks.FirstOrDefault(c => c.Name == constraint) is { } check ? $" ({check.Definition})" : string.Empty)}"
            : last.MessageText;
        throw new InvalidOperationException($"could not insert a test row into {table.QualifiedName}: it violates {what}; declare the row's values in {DeclareHint}, e.g. rows: {{ {table.QualifiedName}: {{ <column>: <value> }} }}");

        List<string> Force(string column)
        {
            forced.Add(column);
            return [column];
        }
    }

    private static string ConstraintKind(string sqlState) => sqlState switch
    {
        PostgresErrorCodes.CheckViolation => "check constraint",
        PostgresErrorCodes.UniqueViolation => "unique constraint",
        PostgresErrorCodes.ForeignKeyViolation => "foreign key",
        _ => "constraint",
    };

    private sealed record CheckConstraint(string Name, string Definition, IReadOnlyList<string> Columns, IReadOnlyList<string> Literals);

    /// <summary>The table's CHECK constraints from pg_constraint: name, definition, columns read, literals in it.</summary>
    private async Task<List<CheckConstraint>> CheckConstraintsAsync(NpgsqlTransaction transaction, DatabaseTable table, CancellationToken cancellationToken)
    {
        const string sql = """
            select c.conname, pg_get_constraintdef(c.oid),
                   coalesce(array(select a.attname::text from unnest(c.conkey) k join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k), '{}')
            from pg_constraint c
            where c.conrelid = $1::regclass and c.contype = 'c'
            """;
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = table.Sql });
        var constraints = new List<CheckConstraint>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var definition = reader.GetString(1);
            var literals = QuotedLiteral().Matches(definition).Select(m => m.Groups[1].Value.Replace("''", "'", StringComparison.Ordinal))
                .Concat(NumericLiteral().Matches(QuotedLiteral().Replace(definition, string.Empty)).Select(m => m.Value))
                .ToList();
            constraints.Add(new CheckConstraint(reader.GetString(0), definition, reader.GetFieldValue<string[]>(2), literals));
        }

        return constraints;
    }

    private async Task<IReadOnlyList<string>> ConstraintColumnsAsync(NpgsqlTransaction transaction, DatabaseTable table, string? constraint, CancellationToken cancellationToken)
    {
        if (constraint is null)
        {
            return [];
        }

        const string sql = """
            select coalesce(array(select a.attname::text from unnest(c.conkey) k join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k), '{}')
            from pg_constraint c where c.conrelid = $1::regclass and c.conname = $2
            union all
            select coalesce(array(select a.attname::text from unnest(i.indkey::int2[]) k join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k), '{}')
            from pg_index i join pg_class ic on ic.oid = i.indexrelid where i.indrelid = $1::regclass and ic.relname = $2
            limit 1
            """;
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = table.Sql });
        command.Parameters.Add(new NpgsqlParameter { Value = constraint });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string[] columns ? columns : [];
    }

    [GeneratedRegex(@"'((?:[^']|'')*)'", RegexOptions.CultureInvariant)]
    private static partial Regex QuotedLiteral();

    [GeneratedRegex(@"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])", RegexOptions.CultureInvariant)]
    private static partial Regex NumericLiteral();

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

    /// <summary>
    /// A value for a required column, by attempt: first a plausible one (e-mail-like text, a child's birth date, …),
    /// then the literals of the CHECK constraints that read the column (and their neighbours), then other shapes
    /// (short text, other numbers and dates). Every text and number candidate is fresh, for UNIQUE columns.
    /// </summary>
    private string TestValue(DatabaseColumn column, int attempt, IReadOnlyList<string> literals)
    {
        var n = Interlocked.Increment(ref _counter);
        var tag = Guid.NewGuid().ToString("N")[..6];
        if (column.IsEnum)
        {
            return $"(select e.enumlabel::{column.Type} from pg_enum e where e.enumtypid = '{column.Type}'::regtype order by e.enumsortorder offset {attempt} limit 1)";
        }

        string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
        var numbers = literals.Where(l => double.TryParse(l, NumberStyles.Float, CultureInfo.InvariantCulture, out _)).ToList();
        var texts = literals.Where(l => !numbers.Contains(l)).ToList();
        string Pick(IReadOnlyList<string> candidates, string fallback) => attempt >= 1 && attempt - 1 < candidates.Count ? candidates[attempt - 1] : fallback;

        switch (column.TypeName)
        {
            case "text" or "varchar" or "bpchar" or "citext" or "name":
                var unique = string.Create(CultureInfo.InvariantCulture, $"erasure.check{n}.{tag}@example.invalid");
                var letters = string.Concat(tag.Select(c => (char)('a' + (Convert.ToInt32(c.ToString(), 16) % 26))));
                List<string> textCandidates = [.. texts, string.Create(CultureInfo.InvariantCulture, $"t{n}{tag}"), letters, letters[..3], string.Create(CultureInfo.InvariantCulture, $"Test {n}"), "x", .. numbers];
                var text = attempt == 0 ? unique : Pick(textCandidates, string.Create(CultureInfo.InvariantCulture, $"{tag}{n}"));
                return $"left({Quote(text)}, coalesce(nullif(regexp_replace('{column.Type}', '\\D', '', 'g'), '')::int, 200))::{column.Type}";
            case "int2" or "int4" or "int8" or "numeric" or "float4" or "float8":
                List<string> numberCandidates = [.. numbers, .. numbers.SelectMany(Neighbours), "0", "1", "1000"];
                var number = attempt == 0 ? ((n % 100) + 1).ToString(CultureInfo.InvariantCulture) : Pick(numberCandidates, (n + 1000).ToString(CultureInfo.InvariantCulture));
                return $"{number}::{column.Type}";
            case "date" or "timestamp" or "timestamptz":
                List<string> dateCandidates = [.. texts.Where(t => DateTime.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.None, out _)).Select(Quote), "current_date", "date '2000-01-01'", "date '2024-01-01'", "date '1990-01-01'"];
                var date = attempt == 0 ? (column.TypeName == "date" ? "date '2016-06-01'" : "now()") : Pick(dateCandidates, "current_date");
                return $"({date})::{column.Type}";
            case "bool":
                return attempt % 2 == 0 ? "false" : "true";
            case "uuid":
                return "gen_random_uuid()";
            case "time" or "timetz":
                return $"'12:00'::{column.Type}";
            case "interval":
                return "interval '1 day'";
            case "json" or "jsonb":
                return attempt == 0 ? $"'{{}}'::{column.Type}" : $"'[]'::{column.Type}";
            case "inet" or "cidr":
                return $"'192.0.2.{(n % 200) + 1}'::{column.Type}";
            case "bytea":
                return "'\\x00'::bytea";
            case var array when array.StartsWith('_'):
                return $"'{{}}'::{column.Type}";
            default:
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"no test value for column {column.Name} of type {column.Type}; declare it in {DeclareHint}"));
        }

        static IEnumerable<string> Neighbours(string literal) =>
            double.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                ? [(value + 1).ToString(CultureInfo.InvariantCulture), (value - 1).ToString(CultureInfo.InvariantCulture)]
                : [];
    }
}
