using Npgsql;

namespace Storytailor.Database;

/// <summary>A <c>postgresql://user:password@host:port/database</c> URL, as the Supabase CLI takes it.</summary>
public sealed record PostgresUrl(string Host, int Port, string User, string? Password, string Database)
{
    public static PostgresUrl Parse(string url)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != "postgresql" && uri.Scheme != "postgres"))
        {
            throw new FormatException("A database URL must look like postgresql://user:password@host:port/database.");
        }

        var user = "postgres";
        string? password = null;
        if (uri.UserInfo.Length > 0)
        {
            var separator = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            user = Uri.UnescapeDataString(separator < 0 ? uri.UserInfo : uri.UserInfo[..separator]);
            password = separator < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(separator + 1)..]);
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        return new PostgresUrl(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port, user, password, database.Length == 0 ? "postgres" : database);
    }

    public PostgresUrl WithDatabase(string database) => this with { Database = database };

    /// <summary>The URL form; sslmode=disable only for loopback servers, which never offer TLS here.</summary>
    public override string ToString()
    {
        var credentials = Uri.EscapeDataString(User) + (Password is null ? string.Empty : ":" + Uri.EscapeDataString(Password));
        var query = IsLoopback ? "?sslmode=disable" : string.Empty;
        return $"postgresql://{credentials}@{Host}:{Port}/{Uri.EscapeDataString(Database)}{query}";
    }

    public bool IsLoopback => Host is "127.0.0.1" or "localhost" or "::1" or "[::1]";

    public string ToConnectionString()
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Username = User,
            Database = Database,
            Pooling = false,
            Timeout = 15,
            CommandTimeout = 60,
        };
        if (Password is not null)
        {
            builder.Password = Password;
        }

        if (IsLoopback)
        {
            builder.SslMode = SslMode.Disable;
        }

        return builder.ConnectionString;
    }
}
