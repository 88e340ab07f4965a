using System.Text;
using CliWrap;

namespace Storytailor.Core;

/// <summary>A tool invocation: executable, arguments, folder, environment and time limit.</summary>
public sealed record CommandSpec(string FileName, IReadOnlyList<string> Arguments, string WorkingDirectory)
{
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Relay each output line to the log as it arrives (true) or only keep it (false).</summary>
    public bool StreamOutput { get; init; } = true;

    public string? StandardInput { get; init; }

    public override string ToString() => $"{FileName} {string.Join(' ', Arguments)}";
}

/// <summary>The outcome of a tool run. Output is already redacted.</summary>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Duration)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The last lines of the combined output, for error messages.</summary>
    public string Tail(int lines = 20)
    {
        var all = (StandardOutput + "\n" + StandardError)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join('\n', all.TakeLast(lines));
    }
}

/// <summary>A tool could not be started or did not finish in time.</summary>
public sealed class CommandException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Runs tools as processes, capturing their output through the secret redactor.</summary>
public sealed class CommandRunner(IBuildLog log, SecretRedactor redactor)
{
    public async Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken = default)
    {
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var started = DateTimeOffset.UtcNow;
        log.Verbose($"> {redactor.Redact(spec.ToString())} (in {spec.WorkingDirectory})");

        var command = Cli.Wrap(spec.FileName)
            .WithArguments(spec.Arguments)
            .WithWorkingDirectory(spec.WorkingDirectory)
            .WithEnvironmentVariables(spec.Environment)
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line => Relay(stdout, line, spec.StreamOutput, false)))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(line => Relay(stderr, line, spec.StreamOutput, true)));
        if (spec.StandardInput is { } input)
        {
            command = command.WithStandardInputPipe(PipeSource.FromString(input));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(spec.Timeout);
        try
        {
            var result = await command.ExecuteAsync(timeout.Token).ConfigureAwait(false);
            return new CommandResult(result.ExitCode, stdout.ToString(), stderr.ToString(), DateTimeOffset.UtcNow - started);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CommandException($"'{spec.FileName}' did not finish within {spec.Timeout.TotalSeconds:0} s and was stopped.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new CommandException($"'{spec.FileName}' could not be started: {ex.Message}. Is it installed and on PATH?", ex);
        }
        catch (InvalidOperationException ex) when (ex.InnerException is System.ComponentModel.Win32Exception)
        {
            throw new CommandException($"'{spec.FileName}' could not be started: {ex.InnerException.Message}. Is it installed and on PATH?", ex);
        }
    }

    private void Relay(StringBuilder buffer, string line, bool stream, bool isError)
    {
        var clean = redactor.Redact(line);
        lock (buffer)
        {
            buffer.AppendLine(clean);
        }

        if (stream)
        {
            log.Information(isError ? $"[stderr] {clean}" : clean);
        }
    }
}
