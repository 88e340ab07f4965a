-- Privacy settings: every sharing option is off unless the user opts in.

create table public.user_settings (
  user_id uuid primary key references public.users (id) on delete cascade,
  data_sharing boolean not null default false,
  profile_public boolean not null default false,
  geolocation_enabled boolean not null default false,
  marketing_emails boolean not null default false,
  analytics_enabled boolean not null default false,
  updated_at timestamptz not null default now()
);

alter table public.user_settings enable row level security;

create policy user_settings_owner_all on public.user_settings
  for all to authenticated
  using (user_id = auth.uid())
  with check (user_id = auth.uid());

grant select, insert, update on public.user_settings to authenticated;
grant all on public.user_settings to service_role;

-- Every new user gets the privacy-by-default settings row.
create or replace function public.create_default_user_settings()
returns trigger
language plpgsql
security definer
set search_path = public, pg_temp
as $$
begin
  insert into public.user_settings (user_id) values (new.id)
  on conflict (user_id) do nothing;
  return new;
end;
$$;

create trigger users_default_settings
  after insert on public.users
  for each row execute function public.create_default_user_settings();

-- Right to erasure: removes every row of personal data belonging to a user.
-- Returns the number of rows deleted across all tables.
create or replace function public.erase_user(p_user_id uuid)
returns integer
language plpgsql
security definer
set search_path = public, pg_temp
as $$
declare
  v_stories integer;
  v_children integer;
  v_settings integer;
  v_users integer;
begin
  delete from public.stories s
  using public.child_profiles c
  where s.child_id = c.id and c.user_id = p_user_id;
  get diagnostics v_stories = row_count;

  delete from public.child_profiles where user_id = p_user_id;
  get diagnostics v_children = row_count;

  delete from public.user_settings where user_id = p_user_id;
  get diagnostics v_settings = row_count;

  delete from public.users where id = p_user_id;
  get diagnostics v_users = row_count;

  return v_stories + v_children + v_settings + v_users;
end;
$$;

revoke all on function public.erase_user(uuid) from public;
grant execute on function public.erase_user(uuid) to service_role;
