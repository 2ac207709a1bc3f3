//! bcrypt for several passwords at once, interleaved on one thread.
//!
//! Every Blowfish encryption in bcrypt's key schedule starts from the one before, and each of
//! its rounds waits for the S-box look-ups of the round before: one hash alone leaves most of
//! a core's execution units idle, waiting on its own loads. Hashes computed in step fill those
//! waits with each other's work. On the 2-core EPYC machine the benchmarks run on, one thread
//! computes four cost-8 hashes in step in 23.1 ms, where the `bcrypt` crate takes 58.7 ms for
//! the same four one after another (`cargo bench --bench hashing -- four_hashes`). Each hash is
//! bcrypt's own, bit for bit: the tests compare them with the `bcrypt` crate's on many inputs.
//!
//! A [`Lane`] moves one key expansion per [`step`], so the thread running them can step aside
//! for waiting threads between steps, take in new hashes and drop abandoned ones.

use zeroize::Zeroize;

use crate::password::blowfish_constants::{P, S};
use crate::password::policy::MAX_COST;

/// The most hashes one thread computes in step. In a microbenchmark of the key expansion, one
/// took 28 µs, and each of 2, 3 and 4 in step 14, 11 and 10 µs; 5 and 6 gained under a tenth
/// more and 8 lost ground, their states (4 KiB each) crowding the core's level-1 data cache.
/// Four keep each step short, so the thread steps aside often.
pub(crate) const MAX_LANES: usize = 4;

/// The most password bytes bcrypt reads.
const MAX_KEY_BYTES: usize = 72;

/// bcrypt's 24-byte output, of which its hash text keeps the first 23.
pub(crate) type Digest = [u8; 24];

/// The Blowfish state bcrypt's key schedule works on, and the password it folds in. Both
/// help a brute force of the password, so they live in one place on the heap, where moving a
/// lane does not copy them, and are wiped when dropped. (Values the processor holds in
/// registers or spills to the stack on the way are beyond such care.)
struct State {
    p: [u32; 18],
    s: [[u32; 256]; 4],
    /// The password as the words bcrypt folds into the P-array on each expansion.
    password: [u32; 18],
}

impl Drop for State {
    fn drop(&mut self) {
        self.p.zeroize();
        self.s.zeroize();
        self.password.zeroize();
    }
}

/// One hash in progress, with whatever its owner wants back with the result.
pub(crate) struct Lane<T> {
    state: Box<State>,
    /// The salt as the words bcrypt folds into the P-array, like the password's.
    salt: [u32; 18],
    /// Key expansions still to run: two per round, the password's first.
    expansions_left: u64,
    owner: T,
}

impl<T> Lane<T> {
    /// Starts a hash of `password` (bcrypt reads at most 72 bytes of it, and a NUL after it
    /// when there is room) with `salt` and `cost` (4 to 31, checked by the caller). This runs
    /// bcrypt's set-up, about as long as one step.
    pub(crate) fn new(password: &[u8], salt: &[u8; 16], cost: u32, owner: T) -> Self {
        let mut key = [0u8; MAX_KEY_BYTES];
        let len = password.len().min(MAX_KEY_BYTES);
        key[..len].copy_from_slice(&password[..len]);
        let used = (len + 1).min(MAX_KEY_BYTES);
        let mut state = Box::new(State { p: P, s: S, password: [0; 18] });
        cycled_words(&key[..used], &mut state.password);
        key.zeroize();
        let mut salt_words = [0; 18];
        cycled_words(salt, &mut salt_words);
        // Callers keep the cost within 4 to 31; the bound only keeps the shift in range.
        let mut lane = Self { state, salt: salt_words, expansions_left: 2u64 << cost.min(MAX_COST), owner };
        lane.salted_setup();
        lane
    }

    /// What the lane was started with for its owner.
    pub(crate) fn owner(&self) -> &T {
        &self.owner
    }

    /// True once every expansion has run: [`Lane::finish`] gives the digest.
    pub(crate) fn is_done(&self) -> bool {
        self.expansions_left == 0
    }

    /// bcrypt's digest and the lane's owner. Meaningful once [`Lane::is_done`].
    pub(crate) fn finish(self) -> (Digest, T) {
        // "OrpheanBeholderScryDoubt", encrypted 64 times.
        let text: [u32; 6] = [0x4f72_7068, 0x6561_6e42, 0x6568_6f6c, 0x6465_7253, 0x6372_7944, 0x6f75_6274];
        let mut digest = [0u8; 24];
        for (pair, out) in text.chunks_exact(2).zip(digest.chunks_exact_mut(8)) {
            let mut block = [[pair[0], pair[1]]];
            for _ in 0..64 {
                encrypt([&*self.state], &mut block);
            }
            out[..4].copy_from_slice(&block[0][0].to_be_bytes());
            out[4..].copy_from_slice(&block[0][1].to_be_bytes());
        }
        (digest, self.owner)
    }

    /// bcrypt's `EksBlowfishSetup` before the rounds: the password folded into the P-array,
    /// then the whole state re-encrypted with the salt mixed into every block.
    fn salted_setup(&mut self) {
        let state = &mut *self.state;
        fold(&mut state.p, &state.password);
        let salt = [self.salt[0], self.salt[1], self.salt[2], self.salt[3]];
        let mut next = 0;
        expand_states(&mut [state], |[block]| {
            block[0] ^= salt[next];
            block[1] ^= salt[next + 1];
            next ^= 2;
        });
    }
}

/// Runs one key expansion of every lane not yet done, interleaving up to [`MAX_LANES`] at a
/// time. Lanes that are done move to the end and stay as they are.
pub(crate) fn step<T>(lanes: &mut [Lane<T>]) {
    let mut live = 0;
    for i in 0..lanes.len() {
        if !lanes[i].is_done() {
            lanes.swap(live, i);
            live += 1;
        }
    }
    let mut rest = &mut lanes[..live];
    while !rest.is_empty() {
        rest = match rest.len() {
            1 => expand::<1, T>(rest),
            2 => expand::<2, T>(rest),
            3 => expand::<3, T>(rest),
            _ => expand::<MAX_LANES, T>(rest),
        };
    }
}

/// One key expansion of the first `N` lanes; returns the lanes after them.
fn expand<const N: usize, T>(lanes: &mut [Lane<T>]) -> &mut [Lane<T>] {
    let Some((chunk, rest)) = lanes.split_first_chunk_mut::<N>() else {
        return &mut [];
    };
    let mut states: [&mut State; N] = chunk.each_mut().map(|lane| {
        // Even counts fold in the password, odd ones the salt: the password first in each round.
        let state = &mut *lane.state;
        let words = if lane.expansions_left % 2 == 0 { &state.password } else { &lane.salt };
        fold(&mut state.p, words);
        state
    });
    expand_states(&mut states, |_| {});
    for lane in chunk.iter_mut() {
        lane.expansions_left = lane.expansions_left.saturating_sub(1);
    }
    rest
}

/// Blowfish's key schedule after the key is folded in, for `N` states in step: the whole
/// state re-encrypted, each block from the one before, after `mix` (bcrypt's set-up mixes the
/// salt into every block; its rounds mix in nothing).
#[inline(always)]
fn expand_states<const N: usize>(states: &mut [&mut State; N], mut mix: impl FnMut(&mut [[u32; 2]; N])) {
    let mut blocks = [[0u32; 2]; N];
    for i in (0..18).step_by(2) {
        mix(&mut blocks);
        encrypt(states.each_ref().map(|state| &**state), &mut blocks);
        for (state, block) in states.iter_mut().zip(&blocks) {
            state.p[i..i + 2].copy_from_slice(block);
        }
    }
    for b in 0..4 {
        for i in (0..256).step_by(2) {
            mix(&mut blocks);
            encrypt(states.each_ref().map(|state| &**state), &mut blocks);
            for (state, block) in states.iter_mut().zip(&blocks) {
                state.s[b][i..i + 2].copy_from_slice(block);
            }
        }
    }
    blocks.zeroize();
}

/// Blowfish's encryption of `blocks[k]` under `states[k]`, round by round for all of them, so
/// the processor overlaps their look-ups.
#[inline(always)]
fn encrypt<const N: usize>(states: [&State; N], blocks: &mut [[u32; 2]; N]) {
    for round in 0..8 {
        for (state, block) in states.iter().zip(blocks.iter_mut()) {
            block[0] ^= state.p[2 * round];
            block[1] ^= feistel(state, block[0]) ^ state.p[2 * round + 1];
        }
        for (state, block) in states.iter().zip(blocks.iter_mut()) {
            block[0] ^= feistel(state, block[1]);
        }
    }
    for (state, block) in states.iter().zip(blocks.iter_mut()) {
        *block = [block[1] ^ state.p[17], block[0] ^ state.p[16]];
    }
}

/// Blowfish's round function.
#[inline(always)]
fn feistel(state: &State, x: u32) -> u32 {
    let [a, b, c, d] = x.to_be_bytes();
    (state.s[0][usize::from(a)].wrapping_add(state.s[1][usize::from(b)]) ^ state.s[2][usize::from(c)])
        .wrapping_add(state.s[3][usize::from(d)])
}

/// XORs `words` into the P-array, as each key expansion begins.
fn fold(p: &mut [u32; 18], words: &[u32; 18]) {
    for (p, word) in p.iter_mut().zip(words) {
        *p ^= word;
    }
}

/// Fills `words` with the big-endian words of `bytes` repeated end to end, as bcrypt reads a
/// key; in place, so a password's words are never copied.
fn cycled_words(bytes: &[u8], words: &mut [u32; 18]) {
    let mut cycle = bytes.iter().copied().cycle();
    for word in words {
        for _ in 0..4 {
            *word = (*word << 8) | u32::from(cycle.next().unwrap_or(0));
        }
    }
}

/// One hash computed alone, start to end: what the tests compare with.
#[cfg(test)]
pub(crate) fn digest_alone(password: &[u8], salt: &[u8; 16], cost: u32) -> Digest {
    let mut lanes = vec![Lane::new(password, salt, cost, ())];
    while !lanes[0].is_done() {
        step(&mut lanes);
    }
    lanes.remove(0).finish().0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::password::bcrypt_text;

    fn bytes(seed: u64, len: usize) -> Vec<u8> {
        // A small deterministic generator: reproducible inputs of every byte value.
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.to_le_bytes()[0]
            })
            .collect()
    }

    /// bcrypt's hash of `password` by the `bcrypt` crate, the reference.
    fn theirs(password: &[u8], salt: [u8; 16], cost: u32) -> String {
        bcrypt::hash_with_salt(password, cost, salt).unwrap().to_string()
    }

    #[test]
    fn hashes_in_step_are_the_bcrypt_crates_bit_for_bit() {
        // Passwords of 0 to 73 bytes, costs 4 and 5, joining a group of up to six (one chunk
        // of four in step and one of two) at every step, so every group size and every offset
        // between neighbours' rounds is exercised.
        let cases: Vec<(Vec<u8>, [u8; 16], u32)> = (0..200u64)
            .map(|case| {
                let password = bytes(case, usize::try_from(case % 74).unwrap());
                let salt: [u8; 16] = bytes(case + 1000, 16).try_into().unwrap();
                (password, salt, 4 + u32::try_from(case % 2).unwrap())
            })
            .collect();
        let mut waiting = cases.iter().enumerate();
        let mut lanes: Vec<Lane<usize>> = Vec::new();
        let mut checked = 0;
        loop {
            if lanes.len() < 6
                && let Some((case, (password, salt, cost))) = waiting.next()
            {
                lanes.push(Lane::new(password, salt, *cost, case));
            }
            if lanes.is_empty() {
                break;
            }
            step(&mut lanes);
            while let Some(done) = lanes.iter().position(Lane::is_done) {
                let (digest, case) = lanes.swap_remove(done).finish();
                let (password, salt, cost) = &cases[case];
                assert_eq!(bcrypt_text::format(*cost, salt, &digest), theirs(password, *salt, *cost), "case {case}");
                checked += 1;
            }
        }
        assert_eq!(checked, cases.len());
    }

    #[test]
    fn a_hash_alone_is_the_bcrypt_crates() {
        let salt = *b"saltsaltsaltsalt";
        for password in [&b""[..], b"a", b"correct horse battery staple", &[0xff; 72], &[7; 80]] {
            let ours = bcrypt_text::format(5, &salt, &digest_alone(password, &salt, 5));
            assert_eq!(ours, theirs(password, salt, 5));
        }
    }

    #[test]
    fn lanes_that_are_done_are_left_alone() {
        let salt = [9; 16];
        let mut lanes = vec![Lane::new(b"short", &salt, 4, 0), Lane::new(b"longer", &salt, 5, 1)];
        while !lanes.iter().any(Lane::is_done) {
            step(&mut lanes);
        }
        // The cost-4 hash is done; stepping on must neither change it nor stop the other.
        while !lanes.iter().all(Lane::is_done) {
            step(&mut lanes);
        }
        for lane in lanes {
            let (digest, which) = lane.finish();
            let (password, cost) = if which == 0 { (&b"short"[..], 4) } else { (&b"longer"[..], 5) };
            assert_eq!(bcrypt_text::format(cost, &salt, &digest), theirs(password, salt, cost));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(256))]

        /// The differential test against the `bcrypt` crate: up to six passwords of 0 to 100
        /// bytes (every byte value, NULs included), random salts, costs 4 to 6, each joining
        /// the group in step at a random step of the others; every digest must be the crate's.
        #[test]
        fn random_hashes_joining_at_random_steps_are_the_bcrypt_crates(
            cases in proptest::collection::vec(
                (proptest::collection::vec(proptest::num::u8::ANY, 0..=100), proptest::array::uniform16(proptest::num::u8::ANY), 4u32..=6, 0usize..80),
                1..=6,
            )
        ) {
            let mut lanes: Vec<Lane<usize>> = Vec::new();
            let mut waiting: Vec<(usize, usize)> = cases.iter().enumerate().map(|(case, (_, _, _, after))| (case, *after)).collect();
            let mut steps = 0usize;
            let mut checked = 0;
            while checked < cases.len() {
                waiting.retain(|&(case, after)| {
                    if after > steps && !lanes.is_empty() {
                        return true;
                    }
                    let (password, salt, cost, _) = &cases[case];
                    lanes.push(Lane::new(password, salt, *cost, case));
                    false
                });
                step(&mut lanes);
                steps += 1;
                while let Some(done) = lanes.iter().position(Lane::is_done) {
                    let (digest, case) = lanes.swap_remove(done).finish();
                    let (password, salt, cost, _) = &cases[case];
                    proptest::prop_assert_eq!(bcrypt_text::format(*cost, salt, &digest), theirs(password, *salt, *cost));
                    checked += 1;
                }
            }
        }
    }
}
