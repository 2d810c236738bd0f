//! FNV-1a (64 bits): the one non-cryptographic hash of the crate, for values that must be stable
//! across runs, platforms and versions: SARIF fingerprints (`report::sarif`), trust entries' file
//! names (`trust`) and the curated list's filter bits (`advisory`).
//!
//! It must agree with the published FNV-1a definition (offset basis 0xcbf29ce484222325, prime
//! 0x100000001b3, xor then multiply, one byte at a time): its outputs are stored on disk and
//! compared by code scanning services, so the tests pin known values. Only the bytes written are
//! hashed, nothing else: no length prefix or terminator as `std::hash::Hasher::write_str` adds.
//! Not for anything an attacker could exploit by finding collisions.

/// An FNV-1a state; [`Fnv1a::write`] feeds bytes, [`Fnv1a::finish`] reads the hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fnv1a(u64);

impl Fnv1a {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    pub const fn new() -> Fnv1a {
        Fnv1a(Self::OFFSET_BASIS)
    }

    /// Feeds `bytes`, in order.
    pub fn write(mut self, bytes: &[u8]) -> Fnv1a {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(Self::PRIME);
        }
        self
    }

    pub const fn finish(self) -> u64 {
        self.0
    }

    /// The hash as 16 lower-case hex digits.
    pub fn hex(self) -> String {
        format!("{:016x}", self.0)
    }
}

impl Default for Fnv1a {
    fn default() -> Fnv1a {
        Fnv1a::new()
    }
}

/// FNV-1a of `bytes`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    Fnv1a::new().write(bytes).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Test vectors of the FNV reference (draft-eastlake-fnv, `FNV1a_64`).
    #[test]
    fn reference_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(
            Fnv1a::new().write(b"foo").write(b"bar").hex(),
            "85944171f73967e8"
        );
    }
}
