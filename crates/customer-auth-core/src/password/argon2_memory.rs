//! argon2's memory: a cap on how many hashes hold it at once, and the buffers they hold, kept
//! for the next hash.
//!
//! An argon2 hash needs all of its memory (19 MiB under OWASP's policy) for as long as it runs.
//! Left to the allocator, every hashing thread would keep its own last buffer in its own arena
//! after a flood of logins, so the process would hold a buffer per thread whatever the cap.
//! Buffers handed from hash to hash keep the memory at the cap, and spare the next hash the
//! page faults of fresh memory.

use std::sync::{Arc, Mutex, PoisonError};

use argon2::Block;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use zeroize::Zeroize as _;

use crate::{Error, Result};

/// The cap, and the buffers of the hashes not running now.
pub(crate) struct Argon2Memory {
    gate: Arc<Semaphore>,
    spare: Mutex<Vec<Vec<Block>>>,
    /// Buffers up to this many blocks (the policy's memory) are kept; a bigger one, for a
    /// stored hash with more memory than the policy, goes back to the allocator.
    keep_blocks: usize,
}

impl Argon2Memory {
    /// Room for `in_flight` hashes at once (at least 1), keeping buffers of up to
    /// `keep_kib` KiB.
    pub(crate) fn new(in_flight: usize, keep_kib: u32) -> Self {
        Self {
            gate: Arc::new(Semaphore::new(in_flight.max(1))),
            spare: Mutex::new(Vec::new()),
            keep_blocks: usize::try_from(keep_kib).unwrap_or(usize::MAX),
        }
    }

    /// Waits for a place among the hashes in flight, and takes a spare buffer if there is one.
    pub(crate) async fn lease(self: &Arc<Self>) -> Result<Lease> {
        let permit = Arc::clone(&self.gate)
            .acquire_owned()
            .await
            .map_err(|_| Error::Hashing("the argon2 memory gate was closed".into()))?;
        let blocks = self.spare.lock().unwrap_or_else(PoisonError::into_inner).pop().unwrap_or_default();
        Ok(Lease { blocks, home: Arc::clone(self), _permit: permit })
    }

    #[cfg(test)]
    fn spare_buffers(&self) -> usize {
        self.spare.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

/// One hash's place among those in flight, and its buffer. Dropping it wipes the buffer,
/// hands it on and frees the place.
pub(crate) struct Lease {
    blocks: Vec<Block>,
    home: Arc<Argon2Memory>,
    _permit: OwnedSemaphorePermit,
}

impl Lease {
    /// At least `count` blocks, grown (on a hashing thread, it touches every page) if need be.
    pub(crate) fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.blocks.len() < count {
            self.blocks.resize(count, Block::default());
        }
        &mut self.blocks
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let blocks = std::mem::take(&mut self.blocks);
        if blocks.is_empty() || blocks.len() > self.home.keep_blocks {
            return;
        }
        let mut blocks = blocks;
        // Every block derives from the password; argon2 itself leaves them as they are.
        blocks.iter_mut().for_each(Block::zeroize);
        self.home.spare.lock().unwrap_or_else(PoisonError::into_inner).push(blocks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn buffers_are_handed_on_and_big_ones_let_go() {
        let memory = Arc::new(Argon2Memory::new(2, 64));
        let mut first = memory.lease().await.unwrap();
        assert_eq!(first.blocks(64).len(), 64);
        drop(first);
        assert_eq!(memory.spare_buffers(), 1);
        let mut again = memory.lease().await.unwrap();
        assert_eq!(memory.spare_buffers(), 0, "the spare buffer was taken");
        assert!(again.blocks(8).len() >= 64, "and reused as it was");
        assert_eq!(again.blocks(128).len(), 128);
        drop(again);
        assert_eq!(memory.spare_buffers(), 0, "a buffer past the policy's memory is not kept");
    }

    #[tokio::test]
    async fn no_more_leases_than_the_cap_at_once() {
        let memory = Arc::new(Argon2Memory::new(1, 64));
        let held = memory.lease().await.unwrap();
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), memory.lease()).await;
        assert!(waiting.is_err(), "a second lease while the only one is held");
        drop(held);
        memory.lease().await.unwrap();
    }
}
