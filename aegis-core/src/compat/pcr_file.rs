//! The PCR file tpm2-tools writes with `tpm2_quote -o` / `tpm2_pcrread -o` (format "values"):
//! a little-endian memory dump of TPML_PCR_SELECTION (132 bytes: u32 count + 16 x {u16 hash,
//! u8 sizeofSelect, 4 select bytes, 1 pad}), u32 n, then n x TPML_DIGEST (532 bytes: u32 count
//! + 8 x {u16 size, 64-byte buffer}). FORMATS.md; Keylime reads the same dump.

use crate::error::{Error, Result};
use crate::tpm::{HashAlg, PcrSelection, PcrValues};

const SELECTION_SIZE: usize = 132;
const MAX_BANKS: usize = 16;
const DIGEST_LIST_SIZE: usize = 532;
const DIGESTS_PER_LIST: usize = 8;
const DIGEST_BUFFER: usize = 64;

/// A parsed PCR file: the selection it claims and its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PcrFile {
    /// The file's TPML_PCR_SELECTION, re-encoded with sizeofSelect 3 (banks in file order).
    pub selection: PcrSelection,
    /// The values, assigned to `selection` in order; unverified until a quote covers them.
    pub values: PcrValues,
}

fn le_u16(b: &[u8], at: usize) -> Result<u16> {
    let s = b.get(at..at + 2).ok_or(Error::Truncated {
        what: "tpm2-tools PCR file",
    })?;
    Ok(u16::from_le_bytes([
        s.first().copied().unwrap_or(0),
        s.get(1).copied().unwrap_or(0),
    ]))
}

fn le_u32(b: &[u8], at: usize) -> Result<u32> {
    let s = b.get(at..at + 4).ok_or(Error::Truncated {
        what: "tpm2-tools PCR file",
    })?;
    let mut a = [0u8; 4];
    a.copy_from_slice(s);
    Ok(u32::from_le_bytes(a))
}

/// Parses a tpm2-tools PCR file. The values are assigned to the file's own selection, banks in
/// order and indices ascending; the count of values must match the selection exactly.
pub fn parse(bytes: &[u8]) -> Result<PcrFile> {
    const WHAT: &str = "tpm2-tools PCR file";
    let count = le_u32(bytes, 0)? as usize;
    if count > MAX_BANKS {
        return Err(Error::CountOutOfRange {
            what: WHAT,
            count,
            max: MAX_BANKS,
        });
    }
    let mut banks: Vec<(HashAlg, Vec<u8>)> = Vec::with_capacity(count);
    for i in 0..count {
        let at = 4 + i * 8;
        let hash = HashAlg::from_alg_id(le_u16(bytes, at)?, "PCR file bank")?;
        let size = usize::from(*bytes.get(at + 2).ok_or(Error::Truncated { what: WHAT })?);
        if size > 4 {
            return Err(Error::SizeOutOfRange {
                what: "PCR file sizeofSelect",
                size,
                max: 4,
            });
        }
        let select = bytes
            .get(at + 3..at + 3 + size)
            .ok_or(Error::Truncated { what: WHAT })?;
        let mut indices = Vec::new();
        for (byte_index, b) in select.iter().enumerate() {
            for bit in 0..8u8 {
                if b & (1 << bit) != 0 {
                    let index = u8::try_from(byte_index * 8)
                        .unwrap_or(u8::MAX)
                        .saturating_add(bit);
                    indices.push(index);
                }
            }
        }
        if banks.iter().any(|(h, _)| *h == hash) {
            return Err(Error::InvalidValue {
                what: "PCR file lists a bank twice",
            });
        }
        banks.push((hash, indices));
    }
    let refs: Vec<(HashAlg, &[u8])> = banks.iter().map(|(h, v)| (*h, v.as_slice())).collect();
    let selection = PcrSelection::new(&refs).map_err(|_| Error::InvalidValue {
        what: "PCR file selects beyond PCR 23",
    })?;

    let lists = le_u32(bytes, SELECTION_SIZE)? as usize;
    let max_lists = selection.len().div_ceil(DIGESTS_PER_LIST).max(1);
    if lists > max_lists {
        return Err(Error::CountOutOfRange {
            what: "PCR file digest lists",
            count: lists,
            max: max_lists,
        });
    }
    let expected_len = SELECTION_SIZE + 4 + lists * DIGEST_LIST_SIZE;
    if bytes.len() < expected_len {
        return Err(Error::Truncated { what: WHAT });
    }
    if bytes.len() > expected_len {
        return Err(Error::TrailingBytes {
            what: WHAT,
            extra: bytes.len() - expected_len,
        });
    }
    let mut digests: Vec<&[u8]> = Vec::with_capacity(selection.len());
    for l in 0..lists {
        let base = SELECTION_SIZE + 4 + l * DIGEST_LIST_SIZE;
        let n = le_u32(bytes, base)? as usize;
        if n > DIGESTS_PER_LIST {
            return Err(Error::CountOutOfRange {
                what: "PCR file TPML_DIGEST.count",
                count: n,
                max: DIGESTS_PER_LIST,
            });
        }
        for d in 0..n {
            let at = base + 4 + d * (2 + DIGEST_BUFFER);
            let size = usize::from(le_u16(bytes, at)?);
            if size > DIGEST_BUFFER {
                return Err(Error::SizeOutOfRange {
                    what: "PCR file digest size",
                    size,
                    max: DIGEST_BUFFER,
                });
            }
            digests.push(
                bytes
                    .get(at + 2..at + 2 + size)
                    .ok_or(Error::Truncated { what: WHAT })?,
            );
        }
    }
    if digests.len() != selection.len() {
        return Err(Error::InvalidFormat {
            what: "PCR file holds a different number of values than it selects",
        });
    }
    let mut values = PcrValues::default();
    let mut next = digests.into_iter();
    for bank in &selection.banks {
        for index in bank.indices() {
            let v = next.next().ok_or(Error::Truncated { what: WHAT })?;
            values.insert(bank.hash, index, v.to_vec())?;
        }
    }
    Ok(PcrFile { selection, values })
}

/// Writes `values` as tpm2-tools does (selection = exactly the PCRs that have values).
pub fn encode(values: &PcrValues) -> Result<Vec<u8>> {
    if values.banks.len() > MAX_BANKS {
        return Err(Error::InvalidArgument {
            what: "too many PCR banks",
        });
    }
    let mut out = Vec::with_capacity(SELECTION_SIZE + 4 + DIGEST_LIST_SIZE);
    out.extend_from_slice(&(values.banks.len() as u32).to_le_bytes());
    let mut flat: Vec<&[u8]> = Vec::new();
    for (hash, bank) in &values.banks {
        let mut select = [0u8; 4];
        for (index, value) in bank {
            if let Some(b) = select.get_mut(usize::from(*index / 8)) {
                *b |= 1 << (index % 8);
            }
            if value.len() > DIGEST_BUFFER {
                return Err(Error::InvalidArgument {
                    what: "PCR value longer than 64 bytes",
                });
            }
            flat.push(value);
        }
        out.extend_from_slice(&hash.alg_id().to_le_bytes());
        out.push(3);
        out.extend_from_slice(&select);
        out.push(0);
    }
    out.resize(SELECTION_SIZE, 0);
    let chunks: Vec<&[&[u8]]> = flat.chunks(DIGESTS_PER_LIST).collect();
    out.extend_from_slice(&(chunks.len() as u32).to_le_bytes());
    for chunk in chunks {
        let start = out.len();
        out.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        for value in chunk {
            out.extend_from_slice(&(value.len() as u16).to_le_bytes());
            out.extend_from_slice(value);
            out.resize(out.len() + DIGEST_BUFFER - value.len(), 0);
        }
        out.resize(start + DIGEST_LIST_SIZE, 0);
    }
    Ok(out)
}
