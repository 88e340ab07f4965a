-- Users of the Storytailor app (parents / guardians).

-- Real Supabase projects already provide the auth schema and auth.uid()
-- (owned by supabase_auth_admin, so it must not be replaced). On a plain
-- PostgreSQL (CI, local verification) create minimal stand-ins so the
-- row-level security policies below can be created. No-op on Supabase.
create schema if not exists auth;

do $do$
begin
  if to_regprocedure('auth.uid()') is null then
    create function auth.uid()
    returns uuid
    language sql
    stable
    as $fn$
      select nullif(
        coalesce(
          nullif(current_setting('request.jwt.claim.sub', true), ''),
          nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
        ),
        ''
      )::uuid
    $fn$;

    grant usage on schema auth to anon, authenticated, service_role;
    grant execute on function auth.uid() to anon, authenticated, service_role;
  end if;
end
$do$;

create table public.users (
  id uuid primary key default gen_random_uuid(),
  email text not null unique check (position('@' in email) > 1),
  display_name text,
  created_at timestamptz not null default now()
);

alter table public.users enable row level security;

create policy users_select_own on public.users
  for select to authenticated
  using (id = auth.uid());

create policy users_update_own on public.users
  for update to authenticated
  using (id = auth.uid())
  with check (id = auth.uid());

grant select, update on public.users to authenticated;
grant all on public.users to service_role;
