using System.Text.RegularExpressions;

namespace Storytailor.Database;

/// <summary>Column names that suggest personal data (GDPR) or children's data (COPPA).</summary>
public static partial class PersonalColumns
{
    [GeneratedRegex(
        @"^(?:name|username|(?:first|last|middle|full|display|given|family|sur|nick|user|child|parent|legal|preferred)_?name)$" +
        @"|e_?mail|birth|(?:^|_)dob(?:$|_)|(?:^|_)age(?:$|_)|phone|mobile|address|street|(?:^|_)city(?:$|_)|postcode|postal|(?:^|_)zip" +
        @"|voice|audio|recording|(?:^|_)ip(?:$|_)|location|geo|(?:^|_)(?:lat|lng|lon|latitude|longitude)(?:$|_)" +
        @"|gender|photo|avatar|school|passport|national_id|ssn|device_id",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool LooksPersonal(string columnName) => Pattern().IsMatch(columnName);
}
