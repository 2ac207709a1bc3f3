//! The Lua scripts behind every check-and-write. Redis runs a script atomically, so a check and
//! the writes it guards can never be split by another client. Each script touches only the keys
//! it is given, and those always share a slot (a session, a token, an index key alone; or the
//! keys of one customer, tagged with the customer's id), so every script runs on a Redis Cluster
//! as it does on one server. What spans slots (a registration claims an index key and writes a
//! customer hash) is a sequence of these steps; see [`crate::claims`] for how that stays exact.

/// A script: its source, sent with `EVAL` when a server does not know it yet (which also
/// caches it there), and its SHA-1, sent with `EVALSHA` every other time.
pub(crate) struct Lua {
    source: &'static str,
    hash: String,
}

impl Lua {
    fn new(source: &'static str) -> Self {
        // redis-rs computes the SHA-1 the server will know the script by.
        Self { source, hash: redis::Script::new(source).get_hash().to_owned() }
    }

    pub(crate) fn source(&self) -> &'static str {
        self.source
    }

    pub(crate) fn hash(&self) -> &str {
        &self.hash
    }
}

/// `now` (the server's unix seconds) for the scripts that need it. Read once per script, so a
/// check and its write agree on the time.
macro_rules! now {
    () => {
        "local now = tonumber(redis.call('TIME')[1])\n"
    };
}

/// Stops the script with `missing` unless `KEYS[1]`, a customer hash, holds a customer: it
/// exists and its registration has finished (no `pending` field).
macro_rules! require_customer {
    ($missing:literal) => {
        concat!(
            "if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'pending') == 1 then return ",
            $missing,
            " end\n"
        )
    };
}

/// KEYS: session. ARGV: record, expires_at (unix seconds). Returns 1 when created, 0 when a
/// session already lives under the key, 2 when the record was over before it began (nothing
/// is stored then, but a live session under the key still wins: 0).
const CREATE_SESSION: &str = concat!(
    now!(),
    r"
if tonumber(ARGV[2]) <= now then
  return 2 - 2 * redis.call('EXISTS', KEYS[1])
end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EXAT', ARGV[2]) then
  return 0
end
return 1
"
);

/// KEYS: session. ARGV: record, expires_at (unix seconds). Returns the record it replaced, or
/// nil when there was none (deleted or expired): a save never creates a session. A record
/// saved already expired ends the session.
const SAVE_SESSION: &str = concat!(
    now!(),
    r"
if tonumber(ARGV[2]) <= now then
  return redis.call('GETDEL', KEYS[1])
end
local old = redis.call('SET', KEYS[1], ARGV[1], 'XX', 'GET', 'EXAT', ARGV[2])
if not old then
  return false
end
return old
"
);

/// KEYS: a set of a customer's sessions or tokens. ARGV: member, expires_at (unix seconds).
/// Adds the member and pushes the set's expiry out to the member's, never in: the set lives as
/// long as its longest-lived member.
const ADD_MEMBER: &str = concat!(
    now!(),
    r"
local at = tonumber(ARGV[2])
redis.call('SADD', KEYS[1], ARGV[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 or now + ttl < at then
  redis.call('EXPIREAT', KEYS[1], ARGV[2])
end
return 1
"
);

/// KEYS: customer hash, customer's token set. ARGV: member, expires_at (unix seconds). Adds a
/// token to the set of a customer that exists, as [`ADD_MEMBER`] does; returns 1, or 0 when
/// there is no such customer.
const ADD_TOKEN_MEMBER: &str = concat!(
    require_customer!("0"),
    now!(),
    r"
local at = tonumber(ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
local ttl = redis.call('TTL', KEYS[2])
if ttl < 0 or now + ttl < at then
  redis.call('EXPIREAT', KEYS[2], ARGV[2])
end
return 1
"
);

/// KEYS: customer hash, customer's token set. ARGV: member. Takes a token's member out of the
/// set; returns 1 when the customer still exists, 0 when not (their token is then worthless).
const FORGET_TOKEN_MEMBER: &str =
    concat!("redis.call('SREM', KEYS[2], ARGV[1])\n", require_customer!("0"), "return 1\n");

/// KEYS: a token. ARGV: its value. Deletes the token if it still holds the value: undoes a
/// token written for a customer who turned out not to exist.
const DELETE_IF_HOLDS: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// KEYS: customer hash. ARGV: lease (seconds), then field/value pairs. The first step of a
/// registration: the customer, marked `pending` until the lease ends and expiring then, so a
/// registration that never finishes leaves nothing behind. Returns 1, or 0 when a customer with
/// this id exists.
const BEGIN_CREATE: &str = concat!(
    "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end\n",
    now!(),
    r"
local deadline = now + tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'pending', deadline, unpack(ARGV, 2))
redis.call('EXPIREAT', KEYS[1], deadline)
return 1
"
);

/// KEYS: customer hash. The last step of a registration, once both index keys are claimed:
/// removes the mark and the expiry. Returns 'created', or 'expired' when the lease ran out
/// first (the hash is then gone, and the claims with it).
const FINISH_CREATE: &str = concat!(
    r"
local deadline = redis.call('HGET', KEYS[1], 'pending')
if not deadline then
  -- Finished already (a retried call), or gone.
  if redis.call('EXISTS', KEYS[1]) == 1 then return 'created' end
  return 'expired'
end
",
    now!(),
    r"
if tonumber(deadline) <= now then
  redis.call('DEL', KEYS[1])
  return 'expired'
end
redis.call('HDEL', KEYS[1], 'pending')
redis.call('PERSIST', KEYS[1])
return 'created'
"
);

/// KEYS: customer hash. Gives up a registration that has not finished: deletes the hash if it
/// is still pending. Returns 'abandoned', 'created' (it finished after all: keep it) or 'gone'.
const ABANDON_CREATE: &str = r"
if redis.call('HEXISTS', KEYS[1], 'pending') == 1 then
  redis.call('DEL', KEYS[1])
  return 'abandoned'
end
if redis.call('EXISTS', KEYS[1]) == 1 then return 'created' end
return 'gone'
";

/// KEYS: the sorted set of customer ids. ARGV: id. Lists a customer.
const ADD_ID: &str = "return redis.call('ZADD', KEYS[1], 0, ARGV[1])\n";

/// KEYS: the sorted set of customer ids. ARGV: ids. Stops listing customers.
const REMOVE_IDS: &str = "return redis.call('ZREM', KEYS[1], unpack(ARGV))\n";

/// KEYS: customer hash. Returns 1 when the customer exists (its registration finished), else 0.
const CUSTOMER_EXISTS: &str = concat!(require_customer!("0"), "return 1\n");

/// KEYS: any key. Returns its value and deletes it (`GETDEL`): of any number of concurrent
/// takes exactly one gets the value. A script so that it can be made durably.
const TAKE: &str = "return redis.call('GETDEL', KEYS[1])\n";

/// KEYS: any key. Deletes it; returns 1 if it was there. A script so that it can be made
/// durably.
const DELETE: &str = "return redis.call('DEL', KEYS[1])\n";

/// KEYS: an index key (username or email). ARGV: customer id. Sets the key to the id unless it
/// is set; returns whatever it holds afterwards, so the caller sees whether it won.
const CLAIM: &str = r"
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
";

/// KEYS: an index key. ARGV: the id it held when found stale, the new id. Takes the key over
/// only if it still holds the stale id; returns 1 if it did.
const TAKE_OVER: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0
";

/// KEYS: an index key. ARGV: customer id. Deletes the key if it points at the customer;
/// returns 1 if it did.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// KEYS: the customer hash an index key points at. ARGV: the hash field of the index's kind
/// (`username_key` or `email_key`), the index value, the claim field (`claim:<kind>:<value>`).
/// Returns 1 when the index key is rightly the customer's: the customer exists (or its
/// registration is under way) and has that value, or an update of it holds a live claim to
/// it. Returns 0 for an index key left behind, which anyone may take over.
const HOLDS_CLAIM: &str = concat!(
    "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n",
    now!(),
    r"
local found = redis.call('HMGET', KEYS[1], ARGV[1], 'pending', ARGV[3])
if found[2] and tonumber(found[2]) <= now then return 0 end
if found[1] == ARGV[2] then return 1 end
if found[3] and tonumber(found[3]) > now then return 1 end
return 0
"
);

/// KEYS: customer hash. ARGV: lease (seconds), new username key, new email key. The first step
/// of an update: a claim field (`claim:username:<key>`, `claim:email:<key>`, holding the
/// lease's end) for each index value that changes, so the index keys this update is about to
/// claim count as the customer's while it runs. Returns {current username key, current email
/// key}, nil when there is no such customer.
const BEGIN_UPDATE: &str = concat!(
    require_customer!("false"),
    now!(),
    r"
local deadline = now + tonumber(ARGV[1])
local current = redis.call('HMGET', KEYS[1], 'username_key', 'email_key')
if current[1] ~= ARGV[2] then redis.call('HSET', KEYS[1], 'claim:username:' .. ARGV[2], deadline) end
if current[2] ~= ARGV[3] then redis.call('HSET', KEYS[1], 'claim:email:' .. ARGV[3], deadline) end
return {current[1] or '', current[2] or ''}
"
);

/// KEYS: customer hash. ARGV: how many claim fields follow, the claim fields, then field/value
/// pairs. The last step of an update: writes the fields and drops its claims. Returns
/// 'updated', 'missing' (deleted meanwhile) or 'expired' (a claim's lease ran out, so an index
/// key may have been taken over: nothing is written).
const FINISH_UPDATE: &str = concat!(
    require_customer!("'missing'"),
    now!(),
    r"
local claims = tonumber(ARGV[1])
for i = 2, claims + 1 do
  local deadline = redis.call('HGET', KEYS[1], ARGV[i])
  if not deadline or tonumber(deadline) <= now then
    for j = 2, claims + 1 do redis.call('HDEL', KEYS[1], ARGV[j]) end
    return 'expired'
  end
end
for i = 2, claims + 1 do redis.call('HDEL', KEYS[1], ARGV[i]) end
redis.call('HSET', KEYS[1], unpack(ARGV, claims + 2))
return 'updated'
"
);

/// KEYS: customer hash. ARGV: claim fields. Drops an update's claims when it gives up.
const DROP_CLAIMS: &str = r"
for i = 1, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
return 1
";

/// KEYS: customer hash. Returns the customer's fields as `HGETALL` does, empty when there is no
/// customer or its registration has not finished.
const READ_CUSTOMER: &str = concat!(require_customer!("{}"), "return redis.call('HGETALL', KEYS[1])\n");

/// KEYS: customer hash. For listing: nil when there is no such hash (its listing is left
/// behind), empty while its registration has not finished, else `HGETALL`.
const LIST_READ: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if redis.call('HEXISTS', KEYS[1], 'pending') == 1 then return {} end
return redis.call('HGETALL', KEYS[1])
";

/// KEYS: customer hash. ARGV: field/value pairs. Sets them only on a customer that exists;
/// returns 1 if it did, 0 if there is no such customer.
const SET_FIELDS: &str = concat!(require_customer!("0"), "redis.call('HSET', KEYS[1], unpack(ARGV))\nreturn 1\n");

/// KEYS: customer hash. Moves the security stamp on, only for a customer that exists (HINCRBY
/// alone would make a hash of one field out of a deleted customer). Returns the new stamp, or
/// nil when there is no such customer.
const BUMP_SECURITY_STAMP: &str =
    concat!(require_customer!("false"), "return redis.call('HINCRBY', KEYS[1], 'security_stamp', 1)\n");

/// KEYS: customer hash. ARGV: threshold, then the lock end (unix seconds) for `threshold + 0`
/// failures, `threshold + 1`, and so on; past the last one the lock stops growing. Counting
/// and locking in one step, so concurrent guesses each see the count the one before left.
/// Returns {failed_logins, locked_until or ''}, or nil when there is no such customer.
/// Timestamps stay strings: Lua numbers are doubles and would round the largest ones.
const RECORD_FAILED_LOGIN: &str = concat!(
    require_customer!("false"),
    r"
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
"
);

/// KEYS: customer hash, customer's token set. Deletes the customer and the set of their tokens.
/// Returns {username key, email key, token members...} for the caller to delete what lives in
/// other slots, or nil when there was no such customer.
const DELETE_CUSTOMER: &str = concat!(
    require_customer!("false"),
    r"
local old = redis.call('HMGET', KEYS[1], 'username_key', 'email_key')
redis.call('DEL', KEYS[1])
local gone = {old[1] or '', old[2] or ''}
for _, member in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  gone[#gone + 1] = member
end
redis.call('UNLINK', KEYS[2])
return gone
"
);

/// KEYS: token. ARGV: value (`<id> <expires_at>`), expires_at (unix seconds). Returns 1 when
/// stored, 2 when a token already lives under the key, 3 when it was over before it began (it
/// can never be taken, so there is nothing to keep).
const CREATE_TOKEN: &str = concat!(
    now!(),
    r"
if tonumber(ARGV[2]) <= now then return 3 end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EXAT', ARGV[2]) then return 2 end
return 1
"
);

/// KEYS: a failed-login counter. ARGV: now, the end of a new window (unix seconds), its length
/// (seconds). A window that ended (by the caller's clock, as in the SQL stores) starts again
/// at one. Returns the failures in the window, this one included. Times stay strings in the
/// hash; unix seconds are exact in Lua's doubles.
const COUNT_FAILURE: &str = r"
local ends = tonumber(redis.call('HGET', KEYS[1], 'ends'))
if ends == nil or ends <= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'failures', 1, 'ends', ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return 1
end
return redis.call('HINCRBY', KEYS[1], 'failures', 1)
";

/// KEYS: a failed-login counter. ARGV: now. The failures in a window that has not ended, else 0.
const FAILURES: &str = r"
local found = redis.call('HMGET', KEYS[1], 'failures', 'ends')
if found[1] == false or tonumber(found[2]) <= tonumber(ARGV[1]) then return 0 end
return tonumber(found[1])
";

/// KEYS: customer hash, TOTP hash (one slot: the customer's). ARGV: sealed secret, enrolment
/// time. Replaces the TOTP authenticator (the steps used with an old one go with it); 0 when
/// the customer is gone.
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

/// KEYS: customer hash, recovery-code set (one slot: the customer's). ARGV: the code hashes.
/// 0 when the customer is gone.
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

/// KEYS: passkey hash. ARGV: customer id, name, credential, created at, last used at ('' for
/// never). 0 when the credential id is registered already, else 1.
const ADD_PASSKEY: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'customer_id', ARGV[1], 'name', ARGV[2], 'credential', ARGV[3], 'created_at', ARGV[4])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'last_used_at', ARGV[5]) end
return 1
";

/// KEYS: passkey hash. ARGV: the credential the login was checked against, the new one, the
/// time. 1 when the stored credential was still the first and is now the second, else 0.
const UPDATE_PASSKEY: &str = r"
if redis.call('HGET', KEYS[1], 'credential') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'credential', ARGV[2], 'last_used_at', ARGV[3])
return 1
";

/// KEYS: passkey hash. ARGV: customer id. 1 when the customer's passkey was removed, 0 when
/// there was none of theirs.
const REMOVE_PASSKEY: &str = r"
if redis.call('HGET', KEYS[1], 'customer_id') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
";

/// Every script, loaded once per store (computing a script's SHA-1 is the only cost).
pub(crate) struct Scripts {
    pub(crate) create_session: Lua,
    pub(crate) save_session: Lua,
    pub(crate) add_member: Lua,
    pub(crate) add_token_member: Lua,
    pub(crate) forget_token_member: Lua,
    pub(crate) delete_if_holds: Lua,
    pub(crate) begin_create: Lua,
    pub(crate) finish_create: Lua,
    pub(crate) claim: Lua,
    pub(crate) take_over: Lua,
    pub(crate) release: Lua,
    pub(crate) holds_claim: Lua,
    pub(crate) begin_update: Lua,
    pub(crate) finish_update: Lua,
    pub(crate) drop_claims: Lua,
    pub(crate) abandon_create: Lua,
    pub(crate) add_id: Lua,
    pub(crate) remove_ids: Lua,
    pub(crate) customer_exists: Lua,
    pub(crate) take: Lua,
    pub(crate) delete: Lua,
    pub(crate) read_customer: Lua,
    pub(crate) list_read: Lua,
    pub(crate) set_fields: Lua,
    pub(crate) bump_security_stamp: Lua,
    pub(crate) record_failed_login: Lua,
    pub(crate) delete_customer: Lua,
    pub(crate) create_token: Lua,
    pub(crate) count_failure: Lua,
    pub(crate) failures: Lua,
    pub(crate) put_totp: Lua,
    pub(crate) use_totp_step: Lua,
    pub(crate) replace_recovery_codes: Lua,
    pub(crate) use_recovery_code: Lua,
    pub(crate) add_passkey: Lua,
    pub(crate) update_passkey: Lua,
    pub(crate) remove_passkey: Lua,
}

impl Scripts {
    pub(crate) fn new() -> Self {
        Self {
            create_session: Lua::new(CREATE_SESSION),
            save_session: Lua::new(SAVE_SESSION),
            add_member: Lua::new(ADD_MEMBER),
            add_token_member: Lua::new(ADD_TOKEN_MEMBER),
            forget_token_member: Lua::new(FORGET_TOKEN_MEMBER),
            delete_if_holds: Lua::new(DELETE_IF_HOLDS),
            begin_create: Lua::new(BEGIN_CREATE),
            finish_create: Lua::new(FINISH_CREATE),
            claim: Lua::new(CLAIM),
            take_over: Lua::new(TAKE_OVER),
            release: Lua::new(RELEASE),
            holds_claim: Lua::new(HOLDS_CLAIM),
            begin_update: Lua::new(BEGIN_UPDATE),
            finish_update: Lua::new(FINISH_UPDATE),
            drop_claims: Lua::new(DROP_CLAIMS),
            abandon_create: Lua::new(ABANDON_CREATE),
            add_id: Lua::new(ADD_ID),
            remove_ids: Lua::new(REMOVE_IDS),
            customer_exists: Lua::new(CUSTOMER_EXISTS),
            take: Lua::new(TAKE),
            delete: Lua::new(DELETE),
            read_customer: Lua::new(READ_CUSTOMER),
            list_read: Lua::new(LIST_READ),
            set_fields: Lua::new(SET_FIELDS),
            bump_security_stamp: Lua::new(BUMP_SECURITY_STAMP),
            record_failed_login: Lua::new(RECORD_FAILED_LOGIN),
            delete_customer: Lua::new(DELETE_CUSTOMER),
            create_token: Lua::new(CREATE_TOKEN),
            count_failure: Lua::new(COUNT_FAILURE),
            failures: Lua::new(FAILURES),
            put_totp: Lua::new(PUT_TOTP),
            use_totp_step: Lua::new(USE_TOTP_STEP),
            replace_recovery_codes: Lua::new(REPLACE_RECOVERY_CODES),
            use_recovery_code: Lua::new(USE_RECOVERY_CODE),
            add_passkey: Lua::new(ADD_PASSKEY),
            update_passkey: Lua::new(UPDATE_PASSKEY),
            remove_passkey: Lua::new(REMOVE_PASSKEY),
        }
    }
}
