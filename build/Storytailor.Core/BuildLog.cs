namespace Storytailor.Core;

/// <summary>The log as services see it. Tasks adapt Cake's log to it; tests capture it.</summary>
public interface IBuildLog
{
    void Information(string message);

    void Warning(string message);

    void Error(string message);

    void Verbose(string message);
}

/// <summary>A log that keeps every line, for tests and for summaries.</summary>
public sealed class RecordingLog : IBuildLog
{
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    public string Text => string.Join('\n', Lines);

    public void Information(string message) => Add("info", message);

    public void Warning(string message) => Add("warning", message);

    public void Error(string message) => Add("error", message);

    public void Verbose(string message) => Add("verbose", message);

    private void Add(string level, string message)
    {
        lock (_gate)
        {
            _lines.Add($"{level}: {message}");
        }
    }
}
