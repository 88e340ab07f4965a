using Cake.Core;
using Storytailor.Core;

namespace Storytailor.Build.Secrets;

/// <summary>Cake's console with every registered secret value masked before it is written.</summary>
public sealed class RedactingConsole(IConsole inner, SecretRedactor redactor) : IConsole
{
    public ConsoleColor ForegroundColor
    {
        get => inner.ForegroundColor;
        set => inner.ForegroundColor = value;
    }

    public ConsoleColor BackgroundColor
    {
        get => inner.BackgroundColor;
        set => inner.BackgroundColor = value;
    }

    public bool SupportAnsiEscapeCodes => inner.SupportAnsiEscapeCodes;

    public void Write(string format, params object[] arg) => inner.Write("{0}", redactor.Redact(Format(format, arg)));

    public void WriteLine(string format, params object[] arg) => inner.WriteLine("{0}", redactor.Redact(Format(format, arg)));

    public void WriteError(string format, params object[] arg) => inner.WriteError("{0}", redactor.Redact(Format(format, arg)));

    public void WriteErrorLine(string format, params object[] arg) => inner.WriteErrorLine("{0}", redactor.Redact(Format(format, arg)));

    public void Write(string value) => inner.Write(redactor.Redact(value));

    public void WriteLine(string value) => inner.WriteLine(redactor.Redact(value));

    public void WriteError(string value) => inner.WriteError(redactor.Redact(value));

    public void WriteErrorLine(string value) => inner.WriteErrorLine(redactor.Redact(value));

    public void ResetColor() => inner.ResetColor();

    private static string Format(string format, object[] arg) =>
        arg.Length == 0 ? format : string.Format(System.Globalization.CultureInfo.InvariantCulture, format, arg);
}
