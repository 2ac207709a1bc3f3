//! The Lua scripts behind every write that touches more than one key. Redis runs a script
//! atomically, so a check and the writes it guards can never be split by another client: this
//! is what makes usernames and emails unique, lockouts exact and "log out everywhere" complete.

use redis::Script;

/// Pushes the expiry of the customer's session set (`KEYS[2]`) out to the session's expiry
/// (`ARGV[2]`), never in: the set lives as long as its longest-lived member.
macro_rules! extend_session_set {
    () => {
        r"
if KEYS[2] then
  redis.call('SADD', KEYS[2], ARGV[3])
  local ttl = redis.call('TTL', KEYS[2])
  if ttl < 0 or now + ttl < at then
    redis.call('EXPIREAT', KEYS[2], ARGV[2])
  end
end
"
    };
}

/// KEYS: session, [customer's session set]. ARGV: record, expires_at (unix seconds), member.
/// Returns 1 when created, 0 when a session already lives under the key.
const CREATE_SESSION: &str = concat!(
    r"
local now = tonumber(redis.call('TIME')[1])
local at = tonumber(ARGV[2])
if at <= now then
  -- Over before it began: nothing to keep, but a live session under the key still wins.
  return 1 - redis.call('EXISTS', KEYS[1])
end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EXAT', ARGV[2]) then
  return 0
end
",
    extend_session_set!(),
    "return 1\n"
);

/// KEYS: session, [customer's session set]. ARGV: record, expires_at (unix seconds), member.
/// Returns the record it replaced, or nil when there was none (deleted or expired): a save
/// never creates a session.
const SAVE_SESSION: &str = concat!(
    r"
local now = tonumber(redis.call('TIME')[1])
local at = tonumber(ARGV[2])
if at <= now then
  -- Saved already expired: the session is over.
  return redis.call('GETDEL', KEYS[1])
end
local old = redis.call('SET', KEYS[1], ARGV[1], 'XX', 'GET', 'EXAT', ARGV[2])
if not old then
  return false
end
",
    extend_session_set!(),
    "return old\n"
);

/// KEYS: a customer's session set, a session. ARGV: member, the record last written (or '').
/// Removes the member unless someone has written the session since, who then owns its
/// membership. Returns the number removed.
const FORGET_SESSION: &str = r"
local current = redis.call('GET', KEYS[2])
if current and current ~= ARGV[2] then
  return 0
end
return redis.call('SREM', KEYS[1], ARGV[1])
";

/// KEYS: a customer's session set. ARGV: the session key prefix. Deletes every session in the
/// set and the set itself; returns how many sessions were still there.
const DELETE_CUSTOMER_SESSIONS: &str = r"
local deleted = 0
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  deleted = deleted + redis.call('UNLINK', ARGV[1] .. member)
end
redis.call('UNLINK', KEYS[1])
return deleted
";

/// KEYS: customer hash, username index, email index, id set. ARGV: id, then field/value pairs.
/// Returns 'created', 'username', 'email' or 'id' (the last three: already taken).
const CREATE_CUSTOMER: &str = r"
if redis.call('EXISTS', KEYS[2]) == 1 then return 'username' end
if redis.call('EXISTS', KEYS[3]) == 1 then return 'email' end
if redis.call('EXISTS', KEYS[1]) == 1 then return 'id' end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('ZADD', KEYS[4], 0, ARGV[1])
return 'created'
";

/// KEYS: customer hash, new username index, new email index. ARGV: id, username index prefix,
/// email index prefix, new username key, new email key, then field/value pairs. The old
/// index keys are found from the hash itself. Returns 'updated', 'missing', 'username' or
/// 'email'.
const UPDATE_CUSTOMER: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
local owner = redis.call('GET', KEYS[2])
if owner and owner ~= ARGV[1] then return 'username' end
owner = redis.call('GET', KEYS[3])
if owner and owner ~= ARGV[1] then return 'email' end
local old = redis.call('HMGET', KEYS[1], 'username_key', 'email_key')
if old[1] and old[1] ~= ARGV[4] and redis.call('GET', ARGV[2] .. old[1]) == ARGV[1] then
  redis.call('DEL', ARGV[2] .. old[1])
end
if old[2] and old[2] ~= ARGV[5] and redis.call('GET', ARGV[3] .. old[2]) == ARGV[1] then
  redis.call('DEL', ARGV[3] .. old[2])
end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
return 'updated'
";

/// KEYS: a username or email index. ARGV: the prefix of customer hash keys. Returns the hash
/// the index points at as `HGETALL` does, empty when there is none: a login's look-up in one
/// round trip instead of two.
const FIND_BY_INDEX: &str = r"
local id = redis.call('GET', KEYS[1])
if not id then
  return {}
end
return redis.call('HGETALL', ARGV[1] .. id)
";

/// KEYS: customer hash. ARGV: field/value pairs. Sets them only on a customer that exists;
/// returns 1 if it did, 0 if there is no such customer.
const SET_FIELDS: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
";

/// KEYS: customer hash. Moves the security stamp on, only for a customer that exists (HINCRBY
/// alone would make a hash of one field out of a deleted customer). Returns the new stamp, or
/// nil when there is no such customer.
const BUMP_SECURITY_STAMP: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('HINCRBY', KEYS[1], 'security_stamp', 1)
";

/// KEYS: customer hash. ARGV: threshold, then the lock end (unix seconds) for `threshold + 0`
/// failures, `threshold + 1`, and so on; past the last one the lock stops growing. Counting
/// and locking in one step, so concurrent guesses each see the count the one before left.
/// Returns {failed_logins, locked_until or ''}, or nil when there is no such customer.
/// Timestamps stay strings: Lua numbers are doubles and would round the largest ones.
const RECORD_FAILED_LOGIN: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local count = tonumber(redis.call('HGET', KEYS[1], 'failed_logins') or '0')
if count < 4294967295 then
  count = redis.call('HINCRBY', KEYS[1], 'failed_logins', 1)
end
local threshold = tonumber(ARGV[1])
if threshold > 0 and count >= threshold then
  local step = math.min(count - threshold, #ARGV - 2)
  redis.call('HSET', KEYS[1], 'locked_until', ARGV[2 + step])
end
return {count, redis.call('HGET', KEYS[1], 'locked_until') or ''}
";

/// KEYS: customer hash, id set, customer's token set. ARGV: id, username index prefix, email
/// index prefix, token key prefix. Deletes the customer with its index entries and tokens;
/// returns 1, or 0 when there was no such customer.
const DELETE_CUSTOMER: &str = r"
local old = redis.call('HMGET', KEYS[1], 'username_key', 'email_key')
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
for _, member in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  redis.call('UNLINK', ARGV[4] .. member)
end
redis.call('UNLINK', KEYS[3])
if old[1] and redis.call('GET', ARGV[2] .. old[1]) == ARGV[1] then
  redis.call('DEL', ARGV[2] .. old[1])
end
if old[2] and redis.call('GET', ARGV[3] .. old[2]) == ARGV[1] then
  redis.call('DEL', ARGV[3] .. old[2])
end
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
";

/// KEYS: token, customer hash, customer's token set. ARGV: value (`<id> <expires_at>`),
/// expires_at (unix seconds), member. Checking the customer and writing in one step, so a
/// token is never left behind by a customer deleted meanwhile. Returns 1 when stored (or
/// already expired, so not worth storing), 0 when there is no such customer, 2 when a token
/// already lives under the key.
const CREATE_TOKEN: &str = r"
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
local now = tonumber(redis.call('TIME')[1])
local at = tonumber(ARGV[2])
if at <= now then
  -- Over before it began: it can never be taken, so there is nothing to keep.
  return 1
end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EXAT', ARGV[2]) then return 2 end
redis.call('SADD', KEYS[3], ARGV[3])
local ttl = redis.call('TTL', KEYS[3])
if ttl < 0 or now + ttl < at then
  redis.call('EXPIREAT', KEYS[3], ARGV[2])
end
return 1
";

/// KEYS: token. ARGV: customer token set prefix, member. Removes the token (GETDEL: of any
/// number of concurrent takes exactly one gets the value) and its member in the customer's
/// set; returns the value, or nil when there was none.
const TAKE_TOKEN: &str = r"
local value = redis.call('GETDEL', KEYS[1])
if not value then return false end
local id = string.match(value, '^(%S+)')
if id then redis.call('SREM', ARGV[1] .. id, ARGV[2]) end
return value
";

/// KEYS: customer's token set. ARGV: token key prefix, member prefix (`<purpose>:`). Deletes
/// the customer's tokens of one purpose; returns how many were still there.
const DELETE_CUSTOMER_TOKENS: &str = r"
local deleted = 0
local wanted = ARGV[2]
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if string.sub(member, 1, #wanted) == wanted then
    deleted = deleted + redis.call('UNLINK', ARGV[1] .. member)
    redis.call('SREM', KEYS[1], member)
  end
end
return deleted
";

/// KEYS: customer hash, TOTP hash. ARGV: sealed secret, enrolment time. Replaces the TOTP
/// authenticator (the steps used with an old one go with it); 0 when the customer is gone.
const PUT_TOTP: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'sealed_secret', ARGV[1], 'enrolled_at', ARGV[2])
return 1
";

/// KEYS: TOTP hash. ARGV: step. 1 when the step is later than every step used before (and is
/// now the last), else 0.
const USE_TOTP_STEP: &str = r"
if redis.call('HEXISTS', KEYS[1], 'sealed_secret') == 0 then return 0 end
local last = redis.call('HGET', KEYS[1], 'last_step')
if last and tonumber(last) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'last_step', ARGV[1])
return 1
";

/// KEYS: customer hash, recovery-code set. ARGV: the code hashes. 0 when the customer is gone.
const REPLACE_RECOVERY_CODES: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('DEL', KEYS[2])
if #ARGV > 0 then redis.call('SADD', KEYS[2], unpack(ARGV)) end
return 1
";

/// KEYS: recovery-code set. ARGV: a code hash. How many are left when it was there, else -1.
const USE_RECOVERY_CODE: &str = r"
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return -1 end
return redis.call('SCARD', KEYS[1])
";

/// KEYS: customer hash, passkey hash, the customer's passkey list. ARGV: credential id (hex),
/// customer id, name, credential, created at, last used at ('' for never). 'missing' when the
/// customer is gone, 0 when the credential id is registered already, else 1.
const ADD_PASSKEY: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[2], 'customer_id', ARGV[2], 'name', ARGV[3], 'credential', ARGV[4], 'created_at', ARGV[5])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[2], 'last_used_at', ARGV[6]) end
redis.call('RPUSH', KEYS[3], ARGV[1])
return 1
";

/// KEYS: passkey hash. ARGV: the credential the login was checked against, the new one, the
/// time. 1 when the stored credential was still the first and is now the second, else 0.
const UPDATE_PASSKEY: &str = r"
if redis.call('HGET', KEYS[1], 'credential') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'credential', ARGV[2], 'last_used_at', ARGV[3])
return 1
";

/// KEYS: passkey hash, the customer's passkey list. ARGV: customer id, credential id (hex).
/// 1 when the customer's passkey was removed, 0 when there was none of theirs.
const REMOVE_PASSKEY: &str = r"
if redis.call('HGET', KEYS[1], 'customer_id') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('LREM', KEYS[2], 0, ARGV[2])
return 1
";

/// Every script, loaded once per store (computing a script's SHA-1 is the only cost).
pub(crate) struct Scripts {
    pub(crate) create_session: Script,
    pub(crate) save_session: Script,
    pub(crate) forget_session: Script,
    pub(crate) delete_customer_sessions: Script,
    pub(crate) create_customer: Script,
    pub(crate) update_customer: Script,
    pub(crate) find_by_index: Script,
    pub(crate) set_fields: Script,
    pub(crate) bump_security_stamp: Script,
    pub(crate) record_failed_login: Script,
    pub(crate) delete_customer: Script,
    pub(crate) create_token: Script,
    pub(crate) take_token: Script,
    pub(crate) delete_customer_tokens: Script,
    pub(crate) put_totp: Script,
    pub(crate) use_totp_step: Script,
    pub(crate) replace_recovery_codes: Script,
    pub(crate) use_recovery_code: Script,
    pub(crate) add_passkey: Script,
    pub(crate) update_passkey: Script,
    pub(crate) remove_passkey: Script,
}

impl Scripts {
    pub(crate) fn new() -> Self {
        Self {
            create_session: Script::new(CREATE_SESSION),
            save_session: Script::new(SAVE_SESSION),
            forget_session: Script::new(FORGET_SESSION),
            delete_customer_sessions: Script::new(DELETE_CUSTOMER_SESSIONS),
            create_customer: Script::new(CREATE_CUSTOMER),
            update_customer: Script::new(UPDATE_CUSTOMER),
            find_by_index: Script::new(FIND_BY_INDEX),
            set_fields: Script::new(SET_FIELDS),
            bump_security_stamp: Script::new(BUMP_SECURITY_STAMP),
            record_failed_login: Script::new(RECORD_FAILED_LOGIN),
            delete_customer: Script::new(DELETE_CUSTOMER),
            create_token: Script::new(CREATE_TOKEN),
            take_token: Script::new(TAKE_TOKEN),
            delete_customer_tokens: Script::new(DELETE_CUSTOMER_TOKENS),
            put_totp: Script::new(PUT_TOTP),
            use_totp_step: Script::new(USE_TOTP_STEP),
            replace_recovery_codes: Script::new(REPLACE_RECOVERY_CODES),
            use_recovery_code: Script::new(USE_RECOVERY_CODE),
            add_passkey: Script::new(ADD_PASSKEY),
            update_passkey: Script::new(UPDATE_PASSKEY),
            remove_passkey: Script::new(REMOVE_PASSKEY),
        }
    }
}
