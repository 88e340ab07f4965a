-- Right to erasure: the kids' tales, the kids, then the account.
create function public.forget_account(p_id uuid) returns void
language plpgsql security definer set search_path = public as $$
begin
  delete from public.tales t using public.kids k where t.kid_id = k.id and k.account_id = p_id;
  delete from public.kids where account_id = p_id;
  delete from public.accounts where id = p_id;
end;
$$;
