-- Child profiles belong to a user. Voice and ad personalisation are off by default.

create table public.child_profiles (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  first_name text not null check (char_length(first_name) between 1 and 100),
  birth_date date,
  voice_enabled boolean not null default false,
  personalized_ads boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index child_profiles_user_id_idx on public.child_profiles (user_id);

alter table public.child_profiles enable row level security;

create policy child_profiles_owner_all on public.child_profiles
  for all to authenticated
  using (user_id = auth.uid())
  with check (user_id = auth.uid());

grant select, insert, update, delete on public.child_profiles to authenticated;
grant all on public.child_profiles to service_role;
