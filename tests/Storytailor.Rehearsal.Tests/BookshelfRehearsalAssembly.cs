using Storytailor.Rehearsal.Tests;

namespace Storytailor.Rehearsal.Fixtures;

/// <summary>
/// One prepared rehearsal of the bookshelf fixture (copied, installed, built and packaged once; blue and green each
/// running its three services behind a gateway) for the fixtures of this namespace. It lies outside
/// Storytailor.Rehearsal.Tests so that running these cases does not prepare the example as well.
/// </summary>
[SetUpFixture]
public sealed class BookshelfRehearsalAssembly
{
    private static DeployRehearsal? _shared;

    public static DeployRehearsal Shared => _shared ?? throw new InvalidOperationException("The bookshelf rehearsal was not prepared (see this namespace's one-time setup).");

    [OneTimeSetUp]
    public async Task PrepareOnce() => _shared = await DeployRehearsal.PrepareAsync(RehearsalApp.Bookshelf);

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
