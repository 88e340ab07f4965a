using Cake.Core;
using Cake.Core.IO;
using Cake.Npm;
using Cake.Npm.Ci;
using Cake.Npm.RunScript;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Stages;

namespace Storytailor.Build.Adapters.Npm;

/// <summary>
/// Runs npm in the app root through Cake.Npm, with output captured line by line through the
/// secret redactor, and turns a failing exit code into a message naming the stage.
/// </summary>
public sealed class NpmScripts(BuildContext context)
{
    private const int TailLines = 30;

    /// <summary>npm ci: a clean install from the committed package-lock.json.</summary>
    public void CleanInstall(string stage)
    {
        var settings = new NpmCiSettings { WorkingDirectory = context.AppRoot };
        Run(stage, "npm ci", settings, s => context.NpmCi(s));
    }

    /// <summary>npm run &lt;script&gt; in the app root.</summary>
    public void RunScript(string stage, string script, IDictionary<string, string>? environment = null)
    {
        var settings = new NpmRunScriptSettings { ScriptName = script, WorkingDirectory = context.AppRoot };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            settings.EnvironmentVariables[key] = value;
        }

        Run(stage, $"npm run {script}", settings, s => context.NpmRunScript(s));
    }

    private void Run<TSettings>(string stage, string commandLine, TSettings settings, Action<TSettings> run)
        where TSettings : NpmSettings
    {
        var tail = new Queue<string>();
        var exitCode = 0;
        settings.HandleExitCode = code =>
        {
            exitCode = code;
            return true;
        };
        settings.SetupProcessSettings = process =>
        {
            process.RedirectStandardOutput = true;
            process.RedirectStandardError = true;
            process.RedirectedStandardOutputHandler = line => Relay(line, tail);
            process.RedirectedStandardErrorHandler = line => Relay(line, tail);
        };

        try
        {
            run(settings);
        }
        catch (CakeException ex)
        {
            throw StageFailure.Because($"{stage} failed: {commandLine} could not run: {context.Redactor.Redact(ex.Message)}");
        }

        if (exitCode != 0)
        {
            string details;
            lock (tail)
            {
                details = string.Join(Environment.NewLine, tail);
            }

            throw StageFailure.Because(
                $"{stage} failed: {commandLine} exited with code {exitCode}.{Environment.NewLine}{details}");
        }
    }

    private string Relay(string? line, Queue<string> tail)
    {
        if (line is null)
        {
            return string.Empty;
        }

        var clean = context.Redactor.Redact(line);
        context.BuildLog.Information(clean);
        lock (tail)
        {
            tail.Enqueue(clean);
            while (tail.Count > TailLines)
            {
                tail.Dequeue();
            }
        }

        return clean;
    }
}
