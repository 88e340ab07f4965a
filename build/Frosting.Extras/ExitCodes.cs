namespace Frosting.Extras;

/// <summary>The build's exit codes: 0 success, 1 a task failed, 2 usage or configuration error.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
}
