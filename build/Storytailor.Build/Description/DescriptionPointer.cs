using System.Globalization;

namespace Storytailor.Build.Description;

/// <summary>JSON pointers into the description ("/services/0/workspace") and how messages show them.</summary>
internal static class DescriptionPointer
{
    public static string Unescape(string segment) => segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);

    /// <summary>"/services/0/workspace" → "services[0].workspace".</summary>
    public static string Display(string pointer)
    {
        if (pointer.Length == 0)
        {
            return "(top level)";
        }

        var text = new System.Text.StringBuilder();
        foreach (var segment in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Unescape))
        {
            if (int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                text.Append('[').Append(segment).Append(']');
            }
            else
            {
                text.Append(text.Length == 0 ? string.Empty : ".").Append(segment);
            }
        }

        return text.ToString();
    }
}
