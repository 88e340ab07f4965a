-- Accounts of parents.
create table public.accounts (
  id uuid primary key default gen_random_uuid(),
  email text not null unique check (position('@' in email) > 1),
  created_at timestamptz not null default now()
);
alter table public.accounts enable row level security;
grant all on public.accounts to service_role;
