namespace Storytailor.Rehearsal.Tests;

/// <summary>
/// One prepared rehearsal (the example copied, installed, built and packaged once; blue and green started) for every
/// fixture of this assembly. Fixtures run one after the other and each case has its own fake AWS and state folder.
/// </summary>
[SetUpFixture]
public sealed class RehearsalAssembly
{
    private static DeployRehearsal? _shared;

    public static DeployRehearsal Shared => _shared ?? throw new InvalidOperationException("The rehearsal was not prepared (see the assembly's one-time setup).");

    [OneTimeSetUp]
    public async Task PrepareOnce() => _shared = await DeployRehearsal.PrepareAsync();

    [OneTimeTearDown]
    public async Task DisposeOnce()
    {
        if (_shared is not null)
        {
            await _shared.DisposeAsync();
            _shared = null;
        }
    }
}
