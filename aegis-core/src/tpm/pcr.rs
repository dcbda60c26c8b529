//! TPML_PCR_SELECTION (TCG Part 2, 10.9.7), supplied PCR values and the quote's PCR digest.

use std::collections::BTreeMap;

use super::wire::{Reader, Writer};
use super::HashAlg;
use crate::error::{Error, Result};

/// Number of PCRs in a PC Client TPM (PC Client Platform TPM Profile, 4.6: 24 PCRs).
pub const PCR_COUNT: u8 = 24;
/// Largest sizeofSelect accepted (TSS2 TPM2_PCR_SELECT_MAX).
const MAX_SIZEOF_SELECT: u8 = 4;
/// Largest TPML_PCR_SELECTION.count accepted (TSS2 TPM2_NUM_PCR_BANKS).
const MAX_BANKS: usize = 16;

/// One TPMS_PCR_SELECTION (Part 2, 10.6.2): a bank and its bitmap (PCR n = bit n%8 of byte n/8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PcrBank {
    /// TPMS_PCR_SELECTION.hash: the bank.
    pub hash: HashAlg,
    /// Bit n set = PCR n selected (only bits 0..PCR_COUNT may be set).
    pub mask: u32,
    /// sizeofSelect as encoded (kept for byte-identical re-encoding).
    pub sizeof_select: u8,
}

impl PcrBank {
    /// Selected PCR indices, ascending.
    pub fn indices(&self) -> impl Iterator<Item = u8> + '_ {
        (0..PCR_COUNT).filter(move |i| self.mask & (1u32 << i) != 0)
    }

    /// Whether PCR `index` is selected.
    pub fn contains(&self, index: u8) -> bool {
        index < PCR_COUNT && self.mask & (1u32 << index) != 0
    }
}

/// TPML_PCR_SELECTION (Part 2, 10.9.7): banks in the order they were signed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PcrSelection {
    /// TPML_PCR_SELECTION.pcrSelections: at most 16, each bank at most once.
    pub banks: Vec<PcrBank>,
}

impl PcrSelection {
    /// Builds a selection with sizeofSelect 3 (what TPMs emit for 24 PCRs).
    pub fn new(banks: &[(HashAlg, &[u8])]) -> Result<Self> {
        let mut out = PcrSelection::default();
        for (hash, indices) in banks {
            if out.banks.iter().any(|b| b.hash == *hash) {
                return Err(Error::InvalidArgument {
                    what: "bank listed twice in a PCR selection",
                });
            }
            let mut mask = 0u32;
            for &i in *indices {
                if i >= PCR_COUNT {
                    return Err(Error::InvalidArgument {
                        what: "PCR index must be below 24",
                    });
                }
                mask |= 1u32 << i;
            }
            out.banks.push(PcrBank {
                hash: *hash,
                mask,
                sizeof_select: 3,
            });
        }
        Ok(out)
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self> {
        let count = r.u32()? as usize;
        if count > MAX_BANKS {
            return Err(Error::CountOutOfRange {
                what: "TPML_PCR_SELECTION.count",
                count,
                max: MAX_BANKS,
            });
        }
        let mut banks: Vec<PcrBank> = Vec::with_capacity(count);
        for _ in 0..count {
            let hash = HashAlg::from_alg_id(r.u16()?, "TPMS_PCR_SELECTION.hash")?;
            let sizeof_select = r.u8()?;
            if sizeof_select > MAX_SIZEOF_SELECT {
                return Err(Error::SizeOutOfRange {
                    what: "TPMS_PCR_SELECTION.sizeofSelect",
                    size: usize::from(sizeof_select),
                    max: usize::from(MAX_SIZEOF_SELECT),
                });
            }
            let mut mask = 0u32;
            for (byte_index, b) in r.take(usize::from(sizeof_select))?.iter().enumerate() {
                mask |= u32::from(*b) << (8 * byte_index);
            }
            if mask >> PCR_COUNT != 0 {
                return Err(Error::InvalidValue {
                    what: "PCR selected beyond PCR 23",
                });
            }
            if banks.iter().any(|b| b.hash == hash) {
                return Err(Error::InvalidValue {
                    what: "bank listed twice in TPML_PCR_SELECTION",
                });
            }
            banks.push(PcrBank {
                hash,
                mask,
                sizeof_select,
            });
        }
        Ok(PcrSelection { banks })
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        w.u32(self.banks.len() as u32);
        for b in &self.banks {
            w.u16(b.hash.alg_id());
            w.u8(b.sizeof_select);
            for i in 0..b.sizeof_select {
                w.u8((b.mask.checked_shr(8 * u32::from(i)).unwrap_or(0) & 0xff) as u8);
            }
        }
    }

    /// Parses a TPML_PCR_SELECTION spanning `bytes` exactly.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, "TPML_PCR_SELECTION");
        let s = Self::read(&mut r)?;
        r.finish()?;
        Ok(s)
    }

    /// Encodes as a TPM does.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        self.write(&mut w);
        w.buf
    }

    /// The bank entry for `hash`, if selected.
    pub fn bank(&self, hash: HashAlg) -> Option<&PcrBank> {
        self.banks.iter().find(|b| b.hash == hash)
    }

    /// Whether PCR `index` of bank `hash` is selected.
    pub fn contains(&self, hash: HashAlg, index: u8) -> bool {
        self.bank(hash).is_some_and(|b| b.contains(index))
    }

    /// Number of selected PCRs over all banks.
    pub fn len(&self) -> usize {
        self.banks
            .iter()
            .map(|b| b.mask.count_ones() as usize)
            .sum()
    }

    /// Whether nothing is selected.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// PCR values as supplied by the caller: bank -> index -> value. Unverified until a quote
/// verifier has matched them against a signed selection and digest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PcrValues {
    /// Bank -> PCR index (below [`PCR_COUNT`]) -> value, as supplied (sizes unchecked here).
    pub banks: BTreeMap<HashAlg, BTreeMap<u8, Vec<u8>>>,
}

impl PcrValues {
    /// Adds one value; a second value for the same PCR is an error.
    pub fn insert(&mut self, hash: HashAlg, index: u8, value: Vec<u8>) -> Result<()> {
        if index >= PCR_COUNT {
            return Err(Error::InvalidValue {
                what: "PCR index must be below 24",
            });
        }
        let bank = self.banks.entry(hash).or_default();
        if bank.insert(index, value).is_some() {
            return Err(Error::InvalidValue {
                what: "PCR value supplied twice",
            });
        }
        Ok(())
    }

    /// The value of PCR `index` in bank `hash`.
    pub fn get(&self, hash: HashAlg, index: u8) -> Option<&[u8]> {
        self.banks
            .get(&hash)
            .and_then(|b| b.get(&index))
            .map(Vec::as_slice)
    }

    /// Every (bank, index, value), banks and indices ascending.
    pub fn iter(&self) -> impl Iterator<Item = (HashAlg, u8, &[u8])> + '_ {
        self.banks
            .iter()
            .flat_map(|(h, b)| b.iter().map(move |(i, v)| (*h, *i, v.as_slice())))
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.banks.values().map(BTreeMap::len).sum()
    }

    /// Whether no value was supplied.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
