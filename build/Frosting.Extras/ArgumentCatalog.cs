namespace Frosting.Extras;

/// <summary>One build argument, for --help and for rejecting unknown argument names.</summary>
public sealed record ArgumentDescription(string Name, string Type, string Default, string Description, string AlsoSetBy = "");

/// <summary>Registered by the application: the build arguments it understands. A host that knows it lists them in --help and rejects others.</summary>
public interface IArgumentCatalog
{
    IReadOnlyList<ArgumentDescription> Arguments { get; }

    /// <summary>Lines --help prints after the arguments (the application's own configuration files, say).</summary>
    IReadOnlyList<string> HelpNotes => [];
}
