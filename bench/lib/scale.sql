-- Bulk seeding for the scale rows (bench/run.sh): users :from..:to, each with a credential
-- account (password hash :'hash', shared) and one live session. User i:
--   id "u" + i zero-padded to 31 digits, email scale-i@bench.test,
--   session token "scale" + i zero-padded to 27 digits, stored as Portcullis stores it:
--   base64url(SHA-256(token)) without padding.
-- psql -v from=1 -v to=1000 -v hash='$argon2id$...' -f scale.sql
begin;
insert into "user" (id, name, email, "emailVerified", "createdAt", "updatedAt")
  select 'u' || lpad(i::text, 31, '0'), 'Scale User ' || i, 'scale-' || i || '@bench.test', false, now(), now()
  from generate_series(:from::bigint, :to::bigint) i;
insert into account (id, "accountId", "providerId", "userId", password, "createdAt", "updatedAt")
  select 'a' || lpad(i::text, 31, '0'), 'u' || lpad(i::text, 31, '0'), 'credential',
         'u' || lpad(i::text, 31, '0'), :'hash', now(), now()
  from generate_series(:from::bigint, :to::bigint) i;
insert into session (id, "expiresAt", token, "createdAt", "updatedAt", "ipAddress", "userAgent", "userId")
  select 's' || lpad(i::text, 31, '0'), now() + interval '7 days',
         rtrim(translate(encode(sha256(convert_to('scale' || lpad(i::text, 27, '0'), 'UTF8')), 'base64'),
                         '+/', '-_'), '='),
         now(), now(), '127.0.0.1', 'bench', 'u' || lpad(i::text, 31, '0')
  from generate_series(:from::bigint, :to::bigint) i;
commit;
