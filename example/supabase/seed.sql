-- Demo data with fixed ids (local development only).

insert into public.users (id, email, display_name)
values ('00000000-0000-4000-8000-000000000001', 'demo.parent@storytailor.example', 'Demo Parent')
on conflict (id) do nothing;

insert into public.child_profiles (id, user_id, first_name, birth_date)
values (
  '00000000-0000-4000-8000-000000000002',
  '00000000-0000-4000-8000-000000000001',
  'Robin',
  '2018-05-04'
)
on conflict (id) do nothing;

insert into public.stories (id, child_id, title, body)
values (
  '00000000-0000-4000-8000-000000000003',
  '00000000-0000-4000-8000-000000000002',
  'The Tale of the Sleepy Owl',
  'Once upon a time, in an enchanted forest, there lived a sleepy owl who could not fall asleep.'
)
on conflict (id) do nothing;
