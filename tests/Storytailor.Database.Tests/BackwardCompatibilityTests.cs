using Storytailor.Database;

namespace Storytailor.Database.Tests;

/// <summary>The blue/green gate on pending migrations: what stops a release, what an allow comment with a reason lets through.</summary>
public class BackwardCompatibilityTests
{
    private static readonly MigrationFile Recorded = Migration("20240101000000_users.sql");
    private static readonly MigrationFile New = Migration("20240601000000_change.sql");

    private static MigrationFile Migration(string name) => new($"/app/supabase/migrations/{name}", name, name[..14], name[15..^4]);

    private static CompatibilityVerdict Judge(string newSql, string recordedSql = "create table public.users (id uuid primary key);") =>
        BackwardCompatibility.Judge([Recorded, New], [Recorded.Version!], f => f == New ? newSql : recordedSql);

    [TestCase("alter table public.users drop column nickname;", "ALTER TABLE ... DROP COLUMN")]
    [TestCase("drop table public.users;", "DROP TABLE")]
    [TestCase("alter table public.users rename column nickname to display_name;", "ALTER TABLE ... RENAME COLUMN")]
    [TestCase("alter table public.users rename nickname to display_name;", "ALTER TABLE ... RENAME COLUMN")]
    [TestCase("alter table public.users rename to people;", "ALTER TABLE ... RENAME TO (table rename)")]
    [TestCase("alter table public.users alter column age type bigint;", "ALTER COLUMN ... TYPE (type change)")]
    [TestCase("alter table public.users alter column age set data type text;", "ALTER COLUMN ... TYPE (type change)")]
    [TestCase("alter table public.users add column tier text not null;", "ADD COLUMN ... NOT NULL without DEFAULT")]
    [TestCase("alter table public.users add tier text not null;", "ADD COLUMN ... NOT NULL without DEFAULT")]
    [TestCase("alter table public.users alter column email set not null;", "ALTER COLUMN ... SET NOT NULL")]
    public void Each_destructive_kind_in_a_pending_migration_stops_the_release_naming_file_line_and_kind(string sql, string kind)
    {
        var verdict = Judge("-- a change\n\n" + sql);

        Assert.That(verdict.Passed, Is.False);
        Assert.That(verdict.Refused.Single().Statement.Kind, Is.EqualTo(kind));
        Assert.That(verdict.Problems.Single(), Does.StartWith($"supabase/migrations/20240601000000_change.sql:3: {kind}: ")
            .And.Contains("add '-- migration:allow-destructive <reason>' to 20240601000000_change.sql"));
    }

    [TestCase("alter table public.users add column tier text not null default 'free';")]
    [TestCase("alter table public.users add column tier text;")]
    [TestCase("alter table public.users add column id2 bigint not null generated always as identity;")]
    [TestCase("alter table public.users add constraint users_email_present check (email is not null);")]
    [TestCase("alter table public.users alter column email drop not null;")]
    [TestCase("alter table public.users alter column tier set default 'free';")]
    [TestCase("alter table public.users rename constraint users_pkey to users_id_pkey;")]
    [TestCase("create table public.badges (id uuid primary key, name text not null);")]
    [TestCase("create index users_email on public.users (email);")]
    public void A_backward_compatible_migration_passes(string sql)
    {
        var verdict = Judge(sql);

        Assert.That(verdict.Passed, Is.True, string.Join("; ", verdict.Problems));
        Assert.That(verdict.Pending, Is.EqualTo(new[] { New }));
        Assert.That(verdict.Allowed, Is.Empty);
    }

    [Test]
    public void The_allow_comment_with_a_reason_lets_the_migration_through_and_keeps_the_reason()
    {
        var verdict = Judge("-- migration:allow-destructive nickname unused since v1.4\nalter table public.users drop column nickname;");

        Assert.That(verdict.Passed, Is.True);
        var allowed = verdict.Allowed.Single();
        Assert.That(allowed.File, Is.EqualTo(New));
        Assert.That(allowed.Reason, Is.EqualTo("nickname unused since v1.4"));
        Assert.That(allowed.ToString(), Does.Contain("20240601000000_change.sql (line 2 ALTER TABLE ... DROP COLUMN): allowed: nickname unused since v1.4"));
    }

    [Test]
    public void The_allow_comment_without_a_reason_is_refused()
    {
        var verdict = Judge("-- migration:allow-destructive\nalter table public.users drop column nickname;");

        Assert.That(verdict.Passed, Is.False);
        Assert.That(verdict.Allowed, Is.Empty);
        Assert.That(verdict.Problems.Single(), Is.EqualTo("supabase/migrations/20240601000000_change.sql: '-- migration:allow-destructive' needs a reason after it"));
    }

    [Test]
    public void Only_pending_migrations_are_scanned()
    {
        var read = new List<MigrationFile>();
        var verdict = BackwardCompatibility.Judge([Recorded, New], [Recorded.Version!], f =>
        {
            read.Add(f);
            return f == Recorded ? "drop table public.legacy;" : "create table public.badges (id uuid primary key);";
        });

        Assert.That(verdict.Passed, Is.True, "the recorded migration's DROP TABLE ran before: it does not stop this release");
        Assert.That(read, Is.EqualTo(new[] { New }), "the recorded migration is not even read");
        Assert.That(verdict.Pending, Is.EqualTo(new[] { New }));
    }

    [Test]
    public void Nothing_recorded_makes_every_file_pending_and_every_one_is_scanned()
    {
        var verdict = BackwardCompatibility.Judge([Recorded, New], [], f => f == Recorded ? "drop table public.legacy;" : "select 1;");

        Assert.That(verdict.Pending, Is.EqualTo(new[] { Recorded, New }));
        Assert.That(verdict.Refused.Single().File, Is.EqualTo(Recorded));
    }
}
