//! Sessions as the stores see them: the id (and the key stores file it under), the record with
//! its principal, and the batcher that turns concurrent loads into one store call.

mod id;
mod load_batch;
mod record;

pub use id::{SESSION_ID_CHARS, SessionId, SessionKey};
pub use load_batch::{LoadBatcher, MAX_LOAD_BATCH};
pub use record::{Principal, SessionRecord};
