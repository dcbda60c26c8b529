//! `KeyPolicy`: the key allow-list (VERIFIER-CHECKS.md items 13 and 15), the `key_policy=` of
//! `AttestationKey.from_tpm_public`, `verify_certify` and `appraise` (bindings/API.md; the C
//! ABI's `aegis_key_policy`).

use aegis_core::tpm::EccCurve;
use aegis_core::verify;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::args::str_repr;
use crate::errors::invalid_argument;

/// The curves a key policy may name, by their short names.
const CURVES: [EccCurve; 3] = [EccCurve::NistP256, EccCurve::NistP384, EccCurve::NistP521];

/// A key allow-list (VERIFIER-CHECKS.md items 13 and 15): the RSA modulus sizes (exponent
/// 65537) and NIST curves a verifier accepts for an AK (`AttestationKey.from_tpm_public`) or a
/// certified App Key (`verify_certify`, `appraise`). A key off the list raises (or fails its
/// check with) `KeyPolicyError` "KeyNotAllowed". Immutable; compares by value.
///
/// Args:
///     rsa_bits: keyword-only; the accepted RSA sizes in bits, each a multiple of 8 from 2048
///         to 16384 (default 2048, 3072, 4096); empty accepts no RSA key.
///     curves: keyword-only; the accepted curves, "P-256", "P-384" or "P-521" (default
///         "P-256", "P-384"); empty accepts no ECC key.
///
/// Raises:
///     UsageError: an RSA size out of range, a curve name that is none of these, or a lone
///         str or int where a list is expected.
#[pyclass(frozen, eq, module = "aegis._aegis")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPolicy {
    pub(crate) inner: verify::KeyPolicy,
}

/// The items of a list argument (a lone str is refused: it is iterable too).
fn items<'py, T: FromPyObject<'py>>(
    py: Python<'py>,
    list: &Bound<'py, PyAny>,
    usage: &'static str,
) -> PyResult<Vec<T>> {
    if list.is_instance_of::<PyString>() {
        return Err(invalid_argument(py, usage));
    }
    let mut out = Vec::new();
    for item in list.try_iter().map_err(|_| invalid_argument(py, usage))? {
        out.push(item?.extract().map_err(|_| invalid_argument(py, usage))?);
    }
    Ok(out)
}

#[pymethods]
impl KeyPolicy {
    #[new]
    #[pyo3(signature = (*, rsa_bits = None, curves = None))]
    fn new(
        py: Python<'_>,
        rsa_bits: Option<&Bound<'_, PyAny>>,
        curves: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        const BITS_USAGE: &str =
            "rsa_bits must be a list of RSA sizes in bits, multiples of 8 from 2048 to 16384";
        const CURVES_USAGE: &str =
            "curves must be a list of curve names: \"P-256\", \"P-384\", \"P-521\"";
        let mut inner = verify::KeyPolicy::default();
        if let Some(bits) = rsa_bits {
            let bits: Vec<u16> = items(py, bits, BITS_USAGE)?;
            inner
                .set_rsa_bits(&bits)
                .map_err(|_| invalid_argument(py, BITS_USAGE))?;
        }
        if let Some(names) = curves {
            let names: Vec<String> = items(py, names, CURVES_USAGE)?;
            inner.curves = names
                .iter()
                .map(|n| {
                    CURVES
                        .into_iter()
                        .find(|c| c.name() == n)
                        .ok_or_else(|| invalid_argument(py, CURVES_USAGE))
                })
                .collect::<PyResult<_>>()?;
        }
        Ok(KeyPolicy { inner })
    }

    /// The accepted RSA sizes in bits (list[int]).
    #[getter]
    fn rsa_bits(&self) -> Vec<u16> {
        self.inner.rsa_bits.clone()
    }

    /// The accepted curves by name ("P-256", ...) (list[str]).
    #[getter]
    fn curves(&self) -> Vec<&'static str> {
        self.inner.curves.iter().map(|c| c.name()).collect()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let bits: Vec<String> = self.inner.rsa_bits.iter().map(u16::to_string).collect();
        let curves: Vec<String> = self
            .inner
            .curves
            .iter()
            .map(|c| str_repr(py, c.name()))
            .collect();
        format!(
            "KeyPolicy(rsa_bits=[{}], curves=[{}])",
            bits.join(", "),
            curves.join(", ")
        )
    }
}

/// The policy of a `key_policy=` argument: the given one, or the default.
pub fn key_policy_or_default(policy: Option<&Bound<'_, KeyPolicy>>) -> verify::KeyPolicy {
    policy.map_or_else(verify::KeyPolicy::default, |p| p.get().inner.clone())
}

/// Registers the key policy class.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<KeyPolicy>()
}
