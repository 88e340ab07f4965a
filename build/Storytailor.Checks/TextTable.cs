using System.Text;

namespace Storytailor.Checks;

/// <summary>A plain-text table with padded columns, for failure messages and logs.</summary>
public static class TextTable
{
    public static string Render(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var all = new List<IReadOnlyList<string>> { headers };
        all.AddRange(rows);
        var widths = new int[headers.Count];
        foreach (var row in all)
        {
            for (var i = 0; i < widths.Length; i++)
            {
                widths[i] = Math.Max(widths[i], Cell(row, i).Length);
            }
        }

        var text = new StringBuilder();
        for (var r = 0; r < all.Count; r++)
        {
            text.AppendLine(string.Join(" | ", Enumerable.Range(0, widths.Length).Select(i => Cell(all[r], i).PadRight(widths[i]))).TrimEnd());
            if (r == 0)
            {
                text.AppendLine(string.Join("-+-", widths.Select(w => new string('-', w))));
            }
        }

        return text.ToString().TrimEnd();
    }

    private static string Cell(IReadOnlyList<string> row, int index) => index < row.Count ? row[index].Replace('\n', ' ') : string.Empty;
}
