namespace Storytailor.Core;

/// <summary>
/// Replaces every registered secret value with a mask. One instance per build; everything the
/// build prints or writes (log, captured tool output, files under artifacts/) passes through it.
/// </summary>
public sealed class SecretRedactor
{
    public const string Mask = "***";

    /// <summary>Values shorter than this are not treated as secrets (they would mask ordinary words).</summary>
    public const int MinimumLength = 6;

    private readonly Lock _gate = new();
    private string[] _values = [];

    public void Register(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Trim().Length < MinimumLength)
        {
            return;
        }

        lock (_gate)
        {
            // Longest first, so a secret that contains another is masked whole.
            _values = [.. _values.Append(value.Trim()).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length)];
        }
    }

    public int Count => _values.Length;

    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        var values = _values;
        foreach (var value in values)
        {
            if (text.Contains(value, StringComparison.Ordinal))
            {
                text = text.Replace(value, Mask, StringComparison.Ordinal);
            }
        }

        return text;
    }
}

/// <summary>A log that redacts secrets before passing lines on.</summary>
public sealed class RedactingLog(IBuildLog inner, SecretRedactor redactor) : IBuildLog
{
    public void Information(string message) => inner.Information(redactor.Redact(message));

    public void Warning(string message) => inner.Warning(redactor.Redact(message));

    public void Error(string message) => inner.Error(redactor.Redact(message));

    public void Verbose(string message) => inner.Verbose(redactor.Redact(message));
}
