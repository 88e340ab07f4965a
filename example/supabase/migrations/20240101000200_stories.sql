-- Generated stories, owned through the child profile.

create table public.stories (
  id uuid primary key default gen_random_uuid(),
  child_id uuid not null references public.child_profiles (id) on delete cascade,
  title text not null,
  body text not null,
  created_at timestamptz not null default now()
);

create index stories_child_id_idx on public.stories (child_id);

alter table public.stories enable row level security;

create policy stories_owner_all on public.stories
  for all to authenticated
  using (
    exists (
      select 1 from public.child_profiles c
      where c.id = stories.child_id and c.user_id = auth.uid()
    )
  )
  with check (
    exists (
      select 1 from public.child_profiles c
      where c.id = stories.child_id and c.user_id = auth.uid()
    )
  );

grant select, insert, update, delete on public.stories to authenticated;
grant all on public.stories to service_role;
