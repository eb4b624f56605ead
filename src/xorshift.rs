//! The generator behind the unit tests' generated inputs: xorshift64 (shifts 13, 7, 17),
//! the same sequence for a seed on every run, with no dependency. Test-only; it owns no
//! inputs of its own (each test picks from its own pieces).

/// The state is the last value given; a seed of 0 would give only 0s.
pub struct Xorshift(pub u64);

impl Xorshift {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("below a usize")
    }

    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }
}
