-- A child of an account, and the stories written for it.
create table public.kids (
  id bigint generated always as identity primary key,
  account_id uuid not null references public.accounts (id),
  nickname text not null,
  birth_date date,
  share_location boolean not null default false
);
alter table public.kids enable row level security;

create table public.tales (
  id bigint generated always as identity primary key,
  kid_id bigint not null references public.kids (id),
  body text not null
);
alter table public.tales enable row level security;
grant select on public.kids, public.tales to authenticated;
