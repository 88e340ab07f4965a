insert into public.accounts (id, email) values ('00000000-0000-4000-8000-00000000000a', 'seed@example.invalid');
