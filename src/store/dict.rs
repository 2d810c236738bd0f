//! The name dictionary: a sorted set of byte strings (every PyPI name), each found with its
//! rank (its place in byte order), read in place. It holds 886,323 names in 4.7 MB, where an
//! fst of them took 7.3 MB, or 8.6 MB with their ranks as values: names share few suffixes,
//! which an fst shares, and spend about 4.5 bits a letter, which Huffman codes spend.
//!
//! ```text
//! dict     = magic count every blocks bytes-table lcp-table top prefixes offsets payload
//! magic    = "SGND" 0x01
//! count    = u32 LE: the names; every = u32 LE: names per block; blocks = u32 LE: blocks
//! table    = 4,096 u32 LE: a decode table of canonical Huffman codes of 1 to 12 bits, one
//!            entry for each 12-bit window of the stream: the symbol of the code the window
//!            starts with (bits 0-8) and its length (bits 18-21; 0: no code starts so); in the
//!            bytes table, where that symbol is a byte and the window holds the next code whole,
//!            that one's symbol too (bits 9-17) and its length (bits 22-25; else 0), so that a
//!            lookup decodes two symbols at a time
//! top      = ceil(blocks / 64) x u64 BE: the prefix of every 64th block (the first, the 65th...)
//! prefixes = blocks x u64 BE: each block's first name's first 8 bytes, zero-padded
//! offsets  = blocks x u32 LE: where each block starts in the payload, in bits
//! payload  = a bit stream, most significant bit of each byte first, then zero bits to a byte
//! block    = head name*          (`every` names, the last block fewer)
//! head     = byte* END           the block's first name whole, by the bytes table
//! name     = lcp byte* END       the length of the prefix it shares with the name before it
//!                                (at most 255: a longer one is written as 255), by the lcp
//!                                table, then the rest of its bytes
//! ```
//!
//! Bytes are symbols 0-255 and END is 256. A lookup finds its block by binary searches over
//! the heads' prefixes, first the top ones (7 KB, which stay in cache), then the 64 of its
//! stretch (half a kilobyte): numbers compared, nothing decoded, a few cache lines read where
//! one search over all of them read one at each of its 16 steps. Only heads that share all
//! eight bytes with the name looked for are decoded, as far as they agree with it. Then the
//! block's names are decoded in turn: about 60 symbols, two a table lookup. A sorted batch of
//! names moves one cursor forward instead, so a registry listing decodes each block once.
//!
//! Nothing read is trusted: an index entry, a code or a shared length that the file cannot
//! hold ends the lookup as "not found" instead of indexing out of bounds, and each symbol
//! consumes at least one bit, so a damaged file answers wrongly at worst, never panics and
//! never loops. It must agree with itself only: `build` writes what the readers read, and the
//! tests hold every reading to a sorted list of the names.

use smallvec::SmallVec;
use std::cmp::Ordering;

pub const MAGIC: &[u8; 5] = b"SGND\x01";
/// The header: magic, then count, every and blocks.
const HEADER: usize = MAGIC.len() + 12;
/// The longest code: a decode table has an entry for every window of this many bits.
const MAX_BITS: u32 = 12;
const TABLE: usize = 1 << MAX_BITS;
/// The symbol that ends a name.
const END: u16 = 256;
/// Symbols of the bytes table: every byte and END.
const BYTE_SYMBOLS: usize = 257;
/// Symbols of the lcp table: shared lengths 0 to 255.
const LCP_SYMBOLS: usize = 256;

/// A name, decoded: most are short enough to stay on the stack.
type Name = SmallVec<[u8; 48]>;

/// A dictionary over bytes held by `B` (the binary's, or a cache file's).
pub struct Dict<B> {
    bytes: B,
    layout: Layout,
}

/// What a dictionary's header says: its counts, and where each part starts.
#[derive(Clone, Copy)]
struct Layout {
    count: usize,
    every: usize,
    blocks: usize,
    top_at: usize,
    prefixes_at: usize,
    offsets_at: usize,
    payload_at: usize,
}

/// Blocks per entry of the top prefixes.
const TOP_EVERY: usize = 64;

/// A dictionary's bytes as a slice, with its layout: what a lookup reads through (the bytes
/// of a `Dict` are resolved once per lookup, not at every read, which cost a cache file's
/// lookups a few branches and loads each time).
#[derive(Clone, Copy)]
struct View<'a> {
    bytes: &'a [u8],
    layout: Layout,
}

impl<B: AsRef<[u8]>> Dict<B> {
    /// Checks the header and that the tables and the index fit; the payload is read on use.
    pub fn new(bytes: B) -> Result<Dict<B>, String> {
        let b = bytes.as_ref();
        if !b.starts_with(MAGIC) {
            return Err("not a squatguard name dictionary".into());
        }
        let field = |i: usize| {
            super::u32_at(b, MAGIC.len() + 4 * i)
                .ok_or_else(|| "name dictionary cut short".to_owned())
        };
        let (count, every, blocks) = (field(0)?, field(1)?, field(2)?);
        if every == 0 || count.div_ceil(every) != blocks {
            return Err(format!(
                "name dictionary of {count} names in {blocks} blocks of {every}"
            ));
        }
        let top_at = HEADER + 2 * 4 * TABLE;
        let prefixes_at = top_at + 8 * blocks.div_ceil(TOP_EVERY);
        let offsets_at = prefixes_at + 8 * blocks;
        let payload_at = offsets_at + 4 * blocks;
        if payload_at > b.len() {
            return Err("name dictionary cut short".to_owned());
        }
        let layout = Layout {
            count,
            every,
            blocks,
            top_at,
            prefixes_at,
            offsets_at,
            payload_at,
        };
        Ok(Dict { bytes, layout })
    }

    pub fn len(&self) -> usize {
        self.layout.count
    }

    pub fn is_empty(&self) -> bool {
        self.layout.count == 0
    }

    fn view(&self) -> View<'_> {
        View {
            bytes: self.bytes.as_ref(),
            layout: self.layout,
        }
    }

    /// The rank of `name`, if the dictionary holds it.
    pub fn get(&self, name: &[u8]) -> Option<u64> {
        let view = self.view();
        let block = view.block_of(name, 0)?;
        let mut cursor = Cursor::at(view, block)?;
        cursor.find(name)
    }

    /// The rank of each of `names`, which must come in byte order: one cursor moves forward
    /// through the blocks, so a name in the block of the one before is looked for from where
    /// that one was, and no block is decoded twice.
    pub fn get_sorted<'n>(&self, names: impl Iterator<Item = &'n [u8]>) -> Vec<Option<u64>> {
        let view = self.view();
        let mut cursor: Option<Cursor<'_>> = None;
        names
            .map(|name| {
                let from = cursor.as_ref().map_or(0, |c| c.block);
                let block = view.block_of(name, from)?;
                if cursor.as_ref().is_none_or(|c| c.block != block) {
                    cursor = Some(Cursor::at(view, block)?);
                }
                cursor.as_mut()?.find(name)
            })
            .collect()
    }

    /// Calls `f` with every name, in byte order (stops early in a damaged file).
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        let view = self.view();
        for block in 0..self.layout.blocks {
            let Some(mut cursor) = Cursor::at(view, block) else {
                return;
            };
            loop {
                f(&cursor.name);
                match cursor.advance() {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(Damaged) => return,
                }
            }
        }
    }
}

impl<'a> View<'a> {
    /// The last block whose head is at or before `name`, searched from block `from` on (whose
    /// head the caller knows to be at or before it): by the heads' prefixes, then, among the
    /// blocks whose prefix is the name's, by their heads.
    fn block_of(&self, name: &[u8], from: usize) -> Option<usize> {
        let key = prefix(name);
        // the stretch of 64 blocks where the prefixes reach the name's
        let t = self.partition(
            self.layout.top_at,
            0,
            self.layout.blocks.div_ceil(TOP_EVERY),
            key,
        )?;
        let start = (t.saturating_sub(1) * TOP_EVERY).max(from);
        let end = (t * TOP_EVERY).min(self.layout.blocks).max(start);
        // blocks from..lo have a prefix before the name's; lo..hi the name's (few: eight bytes
        // are shared by few heads)
        let lo = self.partition(self.layout.prefixes_at, start, end, key)?;
        let hi = if lo < self.layout.blocks && self.prefix_at(lo)? == key {
            match key.checked_add(1) {
                Some(next) => {
                    self.partition(self.layout.prefixes_at, lo, self.layout.blocks, next)?
                }
                None => self.layout.blocks,
            }
        } else {
            lo
        };
        // the first block of lo..hi whose head is after the name
        let (mut a, mut b) = (lo, hi);
        while a < b {
            let mid = a + (b - a) / 2;
            if self.cmp_head(mid, name)? == Ordering::Greater {
                b = mid;
            } else {
                a = mid + 1;
            }
        }
        a.checked_sub(1)
    }

    fn prefix_at(&self, block: usize) -> Option<u64> {
        self.u64_at(self.layout.prefixes_at, block)
    }

    /// The `i`th u64 of the array at `array`.
    fn u64_at(&self, array: usize, i: usize) -> Option<u64> {
        let at = array + 8 * i;
        let p = self.bytes.get(at..at + 8)?;
        Some(u64::from_be_bytes(p.try_into().ok()?))
    }

    /// The first `i` of `from..to` whose number in the array at `array` is not before `key`
    /// (or `to`; the numbers are sorted). Each step picks a half without a branch to
    /// mispredict: a lookup's steps go either way at random.
    fn partition(&self, array: usize, from: usize, to: usize, key: u64) -> Option<usize> {
        if from >= to {
            return Some(from);
        }
        let (mut base, mut size) = (from, to - from);
        while size > 1 {
            let half = size / 2;
            let mid = base + half;
            base = if self.u64_at(array, mid)? < key {
                mid
            } else {
                base
            };
            size -= half;
        }
        Some(base + usize::from(self.u64_at(array, base)? < key))
    }

    /// How block `block`'s head compares with `name`, decoded only as far as they agree.
    fn cmp_head(&self, block: usize, name: &[u8]) -> Option<Ordering> {
        let mut bits = self.bits_at(block)?;
        for &c in name {
            let s = bits.symbol(Table::Bytes)?;
            if s == END {
                return Some(Ordering::Less);
            }
            match u8::try_from(s).ok()?.cmp(&c) {
                Ordering::Equal => {}
                other => return Some(other),
            }
        }
        Some(if bits.symbol(Table::Bytes)? == END {
            Ordering::Equal
        } else {
            Ordering::Greater
        })
    }

    /// The stream at block `block`'s start.
    fn bits_at(&self, block: usize) -> Option<Bits<'a>> {
        let b = self.bytes;
        let start = super::u32_at(b, self.layout.offsets_at + 4 * block)?;
        Bits::new(
            &b[HEADER..self.layout.top_at],
            &b[self.layout.payload_at..],
            start,
        )
    }
}

/// A name's first 8 bytes, zero-padded, as a big-endian number: two names whose numbers
/// differ are in the order of their numbers.
pub(super) fn prefix(name: &[u8]) -> u64 {
    let mut p = [0u8; 8];
    let n = name.len().min(8);
    p[..n].copy_from_slice(&name[..n]);
    u64::from_be_bytes(p)
}

/// Which decode table a symbol is read by.
#[derive(Clone, Copy)]
enum Table {
    Bytes = 0,
    Lcp = 1,
}

/// A read position in the payload, with the next bits at hand.
struct Bits<'a> {
    /// Both decode tables.
    tables: &'a [u8],
    payload: &'a [u8],
    /// The next byte of the payload to take into `buf`.
    next: usize,
    /// The next `have` bits of the stream, most significant first (and below them, bits of
    /// the byte at `next`, or zeros).
    buf: u64,
    have: u32,
    /// Bits of the payload from the read position to its end.
    left: usize,
}

impl<'a> Bits<'a> {
    /// At bit `start` of `payload`; None past its end.
    fn new(tables: &'a [u8], payload: &'a [u8], start: usize) -> Option<Bits<'a>> {
        let left = (payload.len() * 8).checked_sub(start)?;
        let mut bits = Bits {
            tables,
            payload,
            next: start / 8,
            buf: 0,
            have: 0,
            left,
        };
        bits.refill();
        let skip = (start % 8) as u32;
        bits.buf <<= skip;
        bits.have -= skip;
        Some(bits)
    }

    /// Takes whole bytes into `buf` until it holds at least 56 bits (zeros past the end).
    fn refill(&mut self) {
        if let Some(eight) = self.payload.get(self.next..self.next + 8) {
            let w = u64::from_be_bytes(eight.try_into().expect("eight bytes"));
            // the bits past the whole bytes taken are the next byte's, taken again later
            self.buf |= w >> self.have;
            let n = (63 - self.have) / 8;
            self.next += n as usize;
            self.have += n * 8;
        } else {
            while self.have <= 56 {
                let b = self.payload.get(self.next).copied().unwrap_or(0);
                self.buf |= u64::from(b) << (56 - self.have);
                self.have += 8;
                self.next += 1;
            }
        }
    }

    /// The entry of `table` for the next [`MAX_BITS`] bits, refilled first if need be.
    fn entry(&mut self, table: Table) -> Option<u32> {
        if self.have < MAX_BITS {
            self.refill();
        }
        let at = (table as usize * TABLE + (self.buf >> (64 - MAX_BITS)) as usize) * 4;
        let e = self.tables.get(at..at + 4)?;
        Some(u32::from_le_bytes([e[0], e[1], e[2], e[3]]))
    }

    /// Consumes `len` bits; None where no code starts (0) or the stream would run past its
    /// end.
    fn consume(&mut self, len: u32) -> Option<()> {
        if len == 0 || len > MAX_BITS || len as usize > self.left {
            return None;
        }
        self.buf <<= len;
        self.have -= len;
        self.left -= len as usize;
        Some(())
    }

    /// The next symbol; None in a damaged stream.
    fn symbol(&mut self, table: Table) -> Option<u16> {
        let entry = self.entry(table)?;
        self.consume(entry >> 18 & 0xf)?;
        Some((entry & 0x1ff) as u16)
    }

    /// Appends the bytes up to the next END to `name`, two at a time where the entry has two;
    /// None in a damaged stream.
    fn rest_of_name(&mut self, name: &mut Name) -> Option<()> {
        // pushes a byte symbol; true at END; None for a symbol past END
        let take = |name: &mut Name, s: u32| {
            if let Ok(b) = u8::try_from(s) {
                name.push(b);
                Some(false)
            } else {
                (s == u32::from(END)).then_some(true)
            }
        };
        loop {
            let entry = self.entry(Table::Bytes)?;
            let (first, second) = (entry >> 18 & 0xf, entry >> 22 & 0xf);
            if take(name, entry & 0x1ff)? {
                return self.consume(first);
            }
            if second == 0 {
                self.consume(first)?;
                continue;
            }
            self.consume(first + second)?;
            if take(name, entry >> 9 & 0x1ff)? {
                return Some(());
            }
        }
    }
}

/// A name of the dictionary, decoded, and where the next one starts.
struct Cursor<'d> {
    block: usize,
    rank: usize,
    /// Names of the block after this one.
    after: usize,
    name: Name,
    bits: Bits<'d>,
}

impl<'d> Cursor<'d> {
    /// At block `block`'s head.
    fn at(dict: View<'d>, block: usize) -> Option<Cursor<'d>> {
        let mut bits = dict.bits_at(block)?;
        let mut name = Name::new();
        bits.rest_of_name(&mut name)?;
        let Layout { every, count, .. } = dict.layout;
        let rank = block.checked_mul(every)?;
        Some(Cursor {
            block,
            rank,
            after: every.min(count.checked_sub(rank)?).checked_sub(1)?,
            name,
            bits,
        })
    }

    /// Moves to the next name of the block, and says how many bytes it shares with the name
    /// before it (as written: 255 for 255 or more); None at the block's end, an error in a
    /// damaged stream.
    fn advance(&mut self) -> Result<Option<usize>, Damaged> {
        if self.after == 0 {
            return Ok(None);
        }
        let shared = usize::from(self.bits.symbol(Table::Lcp).ok_or(Damaged)?);
        if shared > self.name.len() {
            return Err(Damaged);
        }
        self.name.truncate(shared);
        self.bits.rest_of_name(&mut self.name).ok_or(Damaged)?;
        self.rank += 1;
        self.after -= 1;
        Ok(Some(shared))
    }

    /// The rank of `name`, looked for from here to the block's end; the cursor stays at the
    /// first name not before it. Each name is compared from where it parts from the one before:
    /// one that shares more with it than `name` does is before `name`, one that shares less is
    /// after it.
    fn find(&mut self, name: &[u8]) -> Option<u64> {
        // the bytes the cursor's name shares with `name`
        let mut same = common(&self.name, name);
        loop {
            match self.name.get(same).cmp(&name.get(same)) {
                Ordering::Equal => return Some(self.rank as u64),
                Ordering::Greater => return None,
                Ordering::Less => {}
            }
            match self.advance().ok()?? {
                shared if shared == LCP_SYMBOLS - 1 => same = common(&self.name, name),
                shared if shared > same => {}
                shared if shared < same => return None,
                _ => same += common(&self.name[same..], &name[same..]),
            }
        }
    }
}

/// A stream that does not decode.
struct Damaged;

/// How many bytes `a` and `b` share from their starts.
pub(super) fn common(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Names per block of the dictionaries [`build`] writes: 16 keeps a lookup's scan short (with
/// 32 the dictionary is a tenth smaller and a lookup half as slow again; with 8, 0.89 MB larger
/// and `check` 2% faster).
pub const EVERY: usize = 16;

/// The dictionary of `names`, which must be sorted and unique (an error if not), in blocks of
/// `every`; an error too where the stream would pass 2^32 bits, which the index cannot address.
pub fn build(names: &[&[u8]], every: usize) -> Result<Vec<u8>, String> {
    if every == 0 {
        return Err("a name dictionary needs blocks of at least one name".into());
    }
    if let Some(w) = names.windows(2).find(|w| w[0] >= w[1]) {
        return Err(format!(
            "names out of order: `{}` before `{}`",
            String::from_utf8_lossy(w[0]),
            String::from_utf8_lossy(w[1])
        ));
    }
    // each name as what is written of it: its shared length (None for a head) and the rest
    let written: Vec<(Option<usize>, &[u8])> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            if i % every == 0 {
                return (None, *name);
            }
            let shared = common(names[i - 1], name).min(LCP_SYMBOLS - 1);
            (Some(shared), &name[shared..])
        })
        .collect();
    let mut byte_counts = vec![0u64; BYTE_SYMBOLS];
    let mut lcp_counts = vec![0u64; LCP_SYMBOLS];
    for (shared, rest) in &written {
        if let Some(s) = shared {
            lcp_counts[*s] += 1;
        }
        for &c in *rest {
            byte_counts[usize::from(c)] += 1;
        }
        byte_counts[usize::from(END)] += 1;
    }
    let byte_code = Code::new(&byte_counts);
    let lcp_code = Code::new(&lcp_counts);
    let mut out = MAGIC.to_vec();
    let blocks = names.len().div_ceil(every);
    for n in [names.len(), every, blocks] {
        let n = u32::try_from(n).map_err(|_| format!("{n} is too many for a name dictionary"))?;
        out.extend_from_slice(&n.to_le_bytes());
    }
    for (code, pairs) in [(&byte_code, true), (&lcp_code, false)] {
        for e in code.decode_table(pairs) {
            out.extend_from_slice(&e.to_le_bytes());
        }
    }
    let mut stream = BitWriter::default();
    let mut index = Vec::with_capacity(blocks);
    for (i, (shared, rest)) in written.iter().enumerate() {
        if i % every == 0 {
            index
                .push(u32::try_from(stream.bits()).map_err(|_| {
                    "a name dictionary's stream is limited to 2^32 bits".to_owned()
                })?);
        }
        if let Some(s) = shared {
            lcp_code.put(&mut stream, *s);
        }
        for &c in *rest {
            byte_code.put(&mut stream, usize::from(c));
        }
        byte_code.put(&mut stream, usize::from(END));
    }
    for head in names.iter().step_by(every * TOP_EVERY) {
        out.extend_from_slice(&prefix(head).to_be_bytes());
    }
    for head in names.iter().step_by(every) {
        out.extend_from_slice(&prefix(head).to_be_bytes());
    }
    for at in index {
        out.extend_from_slice(&at.to_le_bytes());
    }
    out.extend_from_slice(&stream.finish());
    Ok(out)
}

/// A canonical Huffman code: each symbol's length (0: unused) and code.
struct Code {
    lengths: Vec<u32>,
    codes: Vec<u32>,
}

impl Code {
    /// The code for symbols seen `counts` times, its lengths limited to [`MAX_BITS`] (the
    /// counts are halved until the lengths fit, as zlib's builders do without the search).
    fn new(counts: &[u64]) -> Code {
        let mut counts = counts.to_vec();
        let lengths = loop {
            let lengths = huffman_lengths(&counts);
            if lengths.iter().all(|&l| l <= MAX_BITS) {
                break lengths;
            }
            for c in counts.iter_mut().filter(|c| **c > 0) {
                *c = c.div_ceil(2);
            }
        };
        // canonical: by length, then symbol, each code the previous plus one, shifted left
        let mut order: Vec<usize> = (0..lengths.len()).filter(|&s| lengths[s] > 0).collect();
        order.sort_by_key(|&s| (lengths[s], s));
        let mut codes = vec![0u32; lengths.len()];
        let (mut code, mut len) = (0u32, 0u32);
        for (k, &s) in order.iter().enumerate() {
            if k > 0 {
                code += 1;
            }
            code <<= lengths[s] - len;
            len = lengths[s];
            codes[s] = code;
        }
        Code { lengths, codes }
    }

    /// The decode table: for each window, the symbol and length of the code it starts with,
    /// and with `pairs`, those of the code after it where that one is in the window too and
    /// the first is a byte (not END, after which comes a code of the other table).
    fn decode_table(&self, pairs: bool) -> Vec<u32> {
        let mut single = vec![0u32; TABLE];
        for (s, (&len, &code)) in self.lengths.iter().zip(&self.codes).enumerate() {
            if len == 0 {
                continue;
            }
            let from = (code << (MAX_BITS - len)) as usize;
            let to = ((code + 1) << (MAX_BITS - len)) as usize;
            for e in &mut single[from..to] {
                *e = len << 18 | s as u32;
            }
        }
        if !pairs {
            return single;
        }
        (0..TABLE)
            .map(|w| {
                let e = single[w];
                let (len, s) = (e >> 18, e & 0x1ff);
                if len == 0 || s >= u32::from(END) {
                    return e;
                }
                let next = single[(w << len) & (TABLE - 1)];
                let (len2, s2) = (next >> 18, next & 0x1ff);
                if len2 == 0 || len + len2 > MAX_BITS {
                    return e;
                }
                e | s2 << 9 | len2 << 22
            })
            .collect()
    }

    fn put(&self, out: &mut BitWriter, symbol: usize) {
        out.put(self.codes[symbol], self.lengths[symbol]);
    }
}

/// Huffman code lengths for symbols seen `counts` times (0 for an unseen symbol; 1 for the
/// only one). Ties go to the lower symbol, so a build is reproducible.
fn huffman_lengths(counts: &[u64]) -> Vec<u32> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut lengths = vec![0u32; counts.len()];
    // nodes: leaves are symbols; each merge records its two children
    let mut children: Vec<(usize, usize)> = Vec::new();
    let mut heap: BinaryHeap<Reverse<(u64, usize)>> = counts
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0)
        .map(|(s, &c)| Reverse((c, s)))
        .collect();
    if heap.len() == 1 {
        let Reverse((_, s)) = heap.pop().expect("one symbol");
        lengths[s] = 1;
        return lengths;
    }
    while heap.len() > 1 {
        let Reverse((a, x)) = heap.pop().expect("two nodes");
        let Reverse((b, y)) = heap.pop().expect("two nodes");
        children.push((x, y));
        heap.push(Reverse((a + b, counts.len() + children.len() - 1)));
    }
    // depths from the root down: the last merge is the root
    let mut depth = vec![0u32; children.len()];
    for k in (0..children.len()).rev() {
        let (x, y) = children[k];
        for child in [x, y] {
            if child < counts.len() {
                lengths[child] = depth[k] + 1;
            } else {
                depth[child - counts.len()] = depth[k] + 1;
            }
        }
    }
    lengths
}

/// Bits written most significant first.
#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    held: u32,
}

impl BitWriter {
    fn put(&mut self, code: u32, len: u32) {
        self.acc = self.acc << len | u64::from(code);
        self.held += len;
        while self.held >= 8 {
            self.held -= 8;
            self.out.push((self.acc >> self.held) as u8);
        }
    }

    fn bits(&self) -> u64 {
        self.out.len() as u64 * 8 + u64::from(self.held)
    }

    fn finish(mut self) -> Vec<u8> {
        if self.held > 0 {
            self.out.push((self.acc << (8 - self.held)) as u8);
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dict_of(names: &[&[u8]], every: usize) -> Dict<Vec<u8>> {
        Dict::new(build(names, every).unwrap()).unwrap()
    }

    /// Every name is found at its rank, every name around it is not, one by one and sorted,
    /// and `for_each` gives the names back in order.
    fn check_against_the_list(names: &[Vec<u8>], every: usize) {
        let refs: Vec<&[u8]> = names.iter().map(Vec::as_slice).collect();
        let dict = dict_of(&refs, every);
        assert_eq!(dict.len(), names.len());
        let mut back = Vec::new();
        dict.for_each(|n| back.push(n.to_vec()));
        assert_eq!(back, names);
        let mut asked: Vec<Vec<u8>> = names.to_vec();
        for n in names {
            asked.push(n[..n.len().saturating_sub(1)].to_vec());
            asked.push([n.as_slice(), b"-"].concat());
            asked.push([n.as_slice(), b"\0"].concat());
            let mut up = n.clone();
            if let Some(last) = up.last_mut() {
                *last = last.wrapping_add(1);
            }
            asked.push(up);
        }
        asked.extend([b"".to_vec(), b"\0".to_vec(), vec![0xff; 3]]);
        asked.sort();
        asked.dedup();
        let expected: Vec<Option<u64>> = asked
            .iter()
            .map(|a| names.binary_search(a).ok().map(|r| r as u64))
            .collect();
        let one_by_one: Vec<Option<u64>> = asked.iter().map(|a| dict.get(a)).collect();
        assert_eq!(one_by_one, expected);
        let sorted = dict.get_sorted(asked.iter().map(Vec::as_slice));
        assert_eq!(sorted, expected);
    }

    #[test]
    fn names_are_found_at_their_ranks() {
        let mut names: Vec<Vec<u8>> = (0..1000u32)
            .map(|i| {
                format!(
                    "{}-{}",
                    ["django", "flask", "py", "requests"][i as usize % 4],
                    i * 7919 % 1000
                )
                .into_bytes()
            })
            .collect();
        // a shared prefix longer than 255 bytes, non-ASCII bytes, a name that is a prefix of
        // the next
        let long = "x".repeat(300);
        names.extend([
            format!("{long}a").into_bytes(),
            format!("{long}b").into_bytes(),
            long.clone().into_bytes(),
            "é-name".as_bytes().to_vec(),
            vec![0xff, 0x00],
            b"a".to_vec(),
            b"ab".to_vec(),
        ]);
        // many heads with one prefix: found among them by their text
        names.extend((0..500).map(|i| format!("samepref-{i:04}").into_bytes()));
        names.extend([
            b"samepref".to_vec(),
            b"samepref\0".to_vec(),
            b"samepreg".to_vec(),
        ]);
        names.sort();
        names.dedup();
        for every in [1, 2, 16, 1000, 5000] {
            check_against_the_list(&names, every);
        }
    }

    #[test]
    fn empty_and_single_symbol_dictionaries() {
        check_against_the_list(&[], 16);
        check_against_the_list(&[b"".to_vec()], 16);
        check_against_the_list(&[b"a".to_vec()], 16);
        check_against_the_list(&[b"".to_vec(), b"a".to_vec(), b"aa".to_vec()], 2);
    }

    #[test]
    fn unsorted_or_repeated_names_are_refused() {
        assert!(build(&[b"b", b"a"], 16).is_err());
        assert!(build(&[b"a", b"a"], 16).is_err());
        assert!(build(&[b"a"], 0).is_err());
    }

    /// Rare symbols are given codes of at most 12 bits (the counts are halved until they fit).
    #[test]
    fn codes_are_at_most_twelve_bits() {
        let counts: Vec<u64> = (0..BYTE_SYMBOLS as u32).map(|i| 1u64 << (i % 40)).collect();
        let code = Code::new(&counts);
        assert!(code.lengths.iter().all(|&l| (1..=MAX_BITS).contains(&l)));
        // a prefix code: the table gives every symbol back from its own code
        let table = code.decode_table(false);
        for (s, (&len, &c)) in code.lengths.iter().zip(&code.codes).enumerate() {
            let e = table[(c << (MAX_BITS - len)) as usize];
            assert_eq!((e >> 18, (e & 0x1ff) as usize), (len, s));
        }
    }

    /// A dictionary damaged at any byte opens as an error or answers every question without
    /// panicking or looping.
    #[test]
    fn a_damaged_dictionary_never_panics() {
        let names: Vec<Vec<u8>> = (0..60).map(|i| format!("n{i:03}x").into_bytes()).collect();
        let refs: Vec<&[u8]> = names.iter().map(Vec::as_slice).collect();
        let bytes = build(&refs, 8).unwrap();
        let asked: [&[u8]; 5] = [b"n000x", b"n041x", b"n059x", b"n5", b""];
        for at in 0..bytes.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut damaged = bytes.clone();
                damaged[at] ^= flip;
                let Ok(dict) = Dict::new(damaged) else {
                    continue;
                };
                for a in asked {
                    let _ = dict.get(a);
                }
                let _ = dict.get_sorted(asked.iter().copied());
                let mut n = 0;
                dict.for_each(|_| n += 1);
            }
        }
        for cut in 0..bytes.len() {
            if let Ok(dict) = Dict::new(&bytes[..cut]) {
                let _ = dict.get_sorted(asked.iter().copied());
            }
        }
    }

    /// Bytes mostly from a small alphabet, so that names share prefixes.
    fn name_bytes() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![Just(b'a'), Just(b'b'), Just(b'-'), any::<u8>()];
        proptest::collection::vec(byte, 0..12)
    }

    proptest! {
        /// Any set of names, in blocks of any size, reads back as the sorted list.
        #[test]
        fn any_set_of_names_reads_back(
            mut names in proptest::collection::vec(name_bytes(), 0..200),
            every in 1usize..40,
        ) {
            names.sort();
            names.dedup();
            check_against_the_list(&names, every);
        }
    }
}
