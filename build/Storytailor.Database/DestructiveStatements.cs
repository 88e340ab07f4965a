using System.Text;
using System.Text.RegularExpressions;

namespace Storytailor.Database;

/// <summary>A statement that destroys data or structure, or breaks code still using the old schema, found in a migration.</summary>
public sealed record DestructiveStatement(int Line, string Kind, string Statement);

/// <summary>
/// Finds destructive statements in migration SQL: drops, TRUNCATE, DELETE without WHERE, and the changes code still
/// running against the old schema cannot live with (rename of a table or column, column type change, a new NOT NULL
/// without a default). Comments and quoted strings are ignored;
/// bodies in dollar quotes (DO blocks, functions) are read as SQL, since they run too.
/// A migration may allow them with <c>-- migration:allow-destructive &lt;reason&gt;</c>.
/// </summary>
public static partial class DestructiveStatements
{
    public const string AllowMarker = "migration:allow-destructive";

    [GeneratedRegex(@"^\s*--\s*migration:allow-destructive\b[ \t]*(?<reason>.*)$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex AllowComment();

    [GeneratedRegex(@"^DROP\s+(?<what>TABLE|SCHEMA|DATABASE|MATERIALIZED\s+VIEW|VIEW|TYPE|SEQUENCE|EXTENSION|OWNED)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DropObject();

    [GeneratedRegex(@"^TRUNCATE\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Truncate();

    [GeneratedRegex(@"^(?:WITH\b.*?\)\s*)?DELETE\s+FROM\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex DeleteFrom();

    [GeneratedRegex(@"\bWHERE\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Where();

    [GeneratedRegex(@"^ALTER\s+TABLE\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AlterTable();

    [GeneratedRegex(@"^DROP\s+(?<what>COLUMN|CONSTRAINT)?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DropAction();

    [GeneratedRegex(@"^(?:(?:BEGIN|ELSE|LOOP|DECLARE|IF\b.*?\bTHEN|ELSIF\b.*?\bTHEN|WHEN\b.*?\bTHEN)\b\s*)+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex BlockPrefix();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>The allow comment's reason: null when absent, empty when present without a reason.</summary>
    public static string? AllowReason(string sql)
    {
        var match = AllowComment().Match(sql);
        return match.Success ? match.Groups["reason"].Value.Trim() : null;
    }

    public static IReadOnlyList<DestructiveStatement> Find(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var found = new List<DestructiveStatement>();
        foreach (var (line, statement) in Statements(sql))
        {
            var text = Whitespace().Replace(statement, " ").Trim();
            var shown = text.Length > 120 ? text[..117] + "..." : text;
            if (DropObject().Match(text) is { Success: true } drop)
            {
                found.Add(new DestructiveStatement(line, "DROP " + Whitespace().Replace(drop.Groups["what"].Value, " ").ToUpperInvariant(), shown));
            }
            else if (Truncate().IsMatch(text))
            {
                found.Add(new DestructiveStatement(line, "TRUNCATE", shown));
            }
            else if (DeleteFrom().IsMatch(text) && !Where().IsMatch(text))
            {
                found.Add(new DestructiveStatement(line, "DELETE without WHERE", shown));
            }
            else if (AlterTable().IsMatch(text))
            {
                foreach (var action in TopLevelParts(text[(text.IndexOf("TABLE", StringComparison.OrdinalIgnoreCase) + 5)..]))
                {
                    // The first part starts with the table name: "public.t DROP COLUMN c".
                    if (AlterAction(action.Trim()) is { } kind)
                    {
                        found.Add(new DestructiveStatement(line, kind, shown));
                    }
                }
            }
        }

        return found;
    }

    /// <summary>
    /// What one action of ALTER TABLE breaks for code still running against the old schema (null: nothing): a dropped
    /// column or constraint, a renamed table or column, a changed column type, a new NOT NULL the old code does not fill.
    /// </summary>
    private static string? AlterAction(string action)
    {
        var dropAt = DropInAction().Match(action);
        if (dropAt.Success && !AlterColumnDrop().IsMatch(action))
        {
            var kind = DropAction().Match(dropAt.Groups[1].Value).Groups["what"].Value.ToUpperInvariant();
            return "ALTER TABLE ... DROP " + (kind.Length == 0 ? "COLUMN" : kind);
        }

        if (RenameTable().IsMatch(action))
        {
            return "ALTER TABLE ... RENAME TO (table rename)";
        }

        if (RenameColumn().IsMatch(action))
        {
            return "ALTER TABLE ... RENAME COLUMN";
        }

        if (ColumnType().IsMatch(action))
        {
            return "ALTER COLUMN ... TYPE (type change)";
        }

        if (SetNotNull().IsMatch(action))
        {
            return "ALTER COLUMN ... SET NOT NULL";
        }

        return AddColumn().IsMatch(action) && NotNull().IsMatch(action) && !DefaultOrGenerated().IsMatch(action)
            ? "ADD COLUMN ... NOT NULL without DEFAULT"
            : null;
    }

    [GeneratedRegex(@"(?:^|\s)(DROP\b.*)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex DropInAction();

    // ALTER COLUMN c DROP DEFAULT / DROP NOT NULL / DROP IDENTITY keep the data.
    [GeneratedRegex(@"\bALTER\b.*\bDROP\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex AlterColumnDrop();

    [GeneratedRegex(@"(?:^|\s)RENAME\s+TO\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RenameTable();

    [GeneratedRegex(@"(?:^|\s)RENAME\s+(?!CONSTRAINT\b)\S+\s+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RenameColumn();

    [GeneratedRegex(@"(?:^|\s)ALTER\s+(?:COLUMN\s+)?\S+\s+(?:SET\s+DATA\s+)?TYPE\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ColumnType();

    [GeneratedRegex(@"(?:^|\s)ALTER\s+(?:COLUMN\s+)?\S+\s+SET\s+NOT\s+NULL\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SetNotNull();

    [GeneratedRegex(@"(?:^|\s)ADD\s+(?!CONSTRAINT\b|PRIMARY\b|UNIQUE\b|CHECK\b|FOREIGN\b|EXCLUDE\b)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AddColumn();

    [GeneratedRegex(@"\bNOT\s+NULL\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NotNull();

    [GeneratedRegex(@"\b(?:DEFAULT|GENERATED)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DefaultOrGenerated();

    /// <summary>The statements of a script with the line each starts on; comments and strings blanked out.</summary>
    internal static IEnumerable<(int Line, string Statement)> Statements(string sql)
    {
        var code = StripCommentsAndStrings(sql);
        var start = 0;
        for (var i = 0; i <= code.Length; i++)
        {
            if (i == code.Length || code[i] == ';')
            {
                var piece = code[start..i];
                var skip = piece.Length - piece.TrimStart().Length;

                // Inside DO blocks and functions a statement may follow BEGIN, THEN, ELSE or LOOP.
                skip += BlockPrefix().Match(piece[skip..]).Length;
                if (piece[skip..].Trim().Length > 0)
                {
                    var line = 1 + code.AsSpan(0, start + skip).Count('\n');
                    yield return (line, piece[skip..].Trim());
                }

                start = i + 1;
            }
        }
    }

    /// <summary>
    /// Replaces comments and single/double-quoted literals with spaces (keeping line breaks), and
    /// dollar-quote delimiters with ';' so a body's statements are read on their own.
    /// </summary>
    internal static string StripCommentsAndStrings(string sql)
    {
        var output = new StringBuilder(sql.Length);
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                while (i < sql.Length && sql[i] != '\n')
                {
                    output.Append(' ');
                    i++;
                }
            }
            else if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                var depth = 0;
                do
                {
                    if (sql[i] == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
                    {
                        depth++;
                        output.Append("  ");
                        i += 2;
                    }
                    else if (sql[i] == '*' && i + 1 < sql.Length && sql[i + 1] == '/')
                    {
                        depth--;
                        output.Append("  ");
                        i += 2;
                    }
                    else
                    {
                        output.Append(sql[i] == '\n' ? '\n' : ' ');
                        i++;
                    }
                }
                while (depth > 0 && i < sql.Length);
            }
            else if (c is '\'' or '"')
            {
                // Quoted identifiers are kept as a placeholder word, literals as a blank.
                output.Append(c == '"' ? 'q' : ' ');
                i++;
                while (i < sql.Length)
                {
                    if (sql[i] == c && i + 1 < sql.Length && sql[i + 1] == c)
                    {
                        output.Append("  ");
                        i += 2;
                        continue;
                    }

                    if (sql[i] == c)
                    {
                        output.Append(' ');
                        i++;
                        break;
                    }

                    output.Append(sql[i] == '\n' ? '\n' : ' ');
                    i++;
                }
            }
            else if (c == '$' && DollarTag(sql, i) is { } tag)
            {
                output.Append(';').Append(' ', tag.Length - 1);
                i += tag.Length;
            }
            else
            {
                output.Append(c);
                i++;
            }
        }

        return output.ToString();
    }

    private static string? DollarTag(string sql, int at)
    {
        if (at > 0 && (char.IsLetterOrDigit(sql[at - 1]) || sql[at - 1] == '_'))
        {
            return null; // part of an identifier such as a$b
        }

        var end = at + 1;
        while (end < sql.Length && (char.IsLetterOrDigit(sql[end]) || sql[end] == '_'))
        {
            end++;
        }

        if (end < sql.Length && sql[end] == '$' && !(end > at + 1 && char.IsDigit(sql[at + 1])))
        {
            return sql[at..(end + 1)];
        }

        return null;
    }

    private static IEnumerable<string> TopLevelParts(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(')
            {
                depth++;
            }
            else if (text[i] == ')')
            {
                depth--;
            }
            else if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }
}
