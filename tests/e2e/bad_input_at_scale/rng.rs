//! A tiny seeded generator: every request is a function of (seed, index), so one failing
//! request can be replayed without the thousands before it.

/// xorshift64*: plenty for picking inputs, and no dependency.
pub(super) struct Rng(u64);

impl Rng {
    /// The generator of request number `index` in a run seeded with `seed`.
    pub(super) fn for_request(seed: u64, index: u64) -> Self {
        // splitmix64 of the pair, so neighbouring indexes start far apart.
        let mut z = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self((z ^ (z >> 31)) | 1)
    }

    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..bound`.
    pub(super) fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }

    /// A number in `low..=high`.
    pub(super) fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    /// True one time in `n`.
    pub(super) fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub(super) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// `min..=max` random bytes.
    pub(super) fn bytes(&mut self, min: usize, max: usize) -> Vec<u8> {
        let len = self.between(min, max);
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// `min..=max` characters of printable ASCII, as a browser might type them.
    pub(super) fn printable(&mut self, min: usize, max: usize) -> Vec<u8> {
        let len = self.between(min, max);
        (0..len).map(|_| b' ' + self.below(95) as u8).collect()
    }
}
