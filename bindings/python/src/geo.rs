//! `geo_resolve` and `Resolution`: the jurisdiction of a reading, offline (FORMATS.md,
//! "Jurisdictions"; bindings/API.md; the C ABI's `aegis_geo_resolve` / `aegis_resolution`).

use aegis_core::geo::jurisdiction::{self, Resolution as CoreResolution};
use pyo3::prelude::*;

use crate::errors::IntoPyResult;

/// The jurisdiction(s) of a reading (a circle): `geo_resolve` makes one. Immutable; compares by
/// value.
///
/// Attributes:
///     status: "resolved" (the whole circle lies in one country), "ambiguous" (it reaches
///         several: `candidates`) or "unresolved" (no jurisdiction, e.g. open sea).
///     country: a resolved reading's ISO 3166-1 alpha-2 code ("ES"), else None.
///     subdivision: its ISO 3166-2 subdivision of `country` ("ES-CT") when the whole circle lies
///         in one, else None (the data has none there, or the circle spans several).
///     subdivision_candidates: the subdivisions of `country` a resolved circle spans, sorted.
///     candidates: the countries an ambiguous circle reaches, sorted.
///     country_exclave: geoAR jurisdiction-country-exclave: the centre lies in an exclave of
///         `country` (Llívia, Büsingen, Kaliningrad, ...).
///     enclosing_exclave_country: geoAR enclosing-exclave-country: the one country around that
///         exclave ("FR" for Llívia), else None.
#[pyclass(frozen, eq, module = "aegis._aegis")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    /// "resolved", "ambiguous" or "unresolved".
    #[pyo3(get)]
    status: &'static str,
    /// A resolved reading's ISO 3166-1 alpha-2 code, else None.
    #[pyo3(get)]
    country: Option<String>,
    /// The ISO 3166-2 subdivision of `country` the whole circle lies in, else None.
    #[pyo3(get)]
    subdivision: Option<String>,
    /// The subdivisions of `country` a resolved circle spans, sorted.
    #[pyo3(get)]
    subdivision_candidates: Vec<String>,
    /// The countries an ambiguous circle reaches, sorted.
    #[pyo3(get)]
    candidates: Vec<String>,
    /// geoAR jurisdiction-country-exclave: the centre lies in an exclave of `country`.
    #[pyo3(get)]
    country_exclave: bool,
    /// geoAR enclosing-exclave-country: the one country around that exclave, else None.
    #[pyo3(get)]
    enclosing_exclave_country: Option<String>,
    json: String,
}

impl Resolution {
    fn new(r: &CoreResolution) -> Self {
        let mut out = Resolution {
            status: "unresolved",
            country: None,
            subdivision: None,
            subdivision_candidates: Vec::new(),
            candidates: Vec::new(),
            country_exclave: false,
            enclosing_exclave_country: None,
            json: r.to_json(),
        };
        match r {
            CoreResolution::Resolved {
                country,
                subdivision,
                subdivision_candidates,
                country_exclave,
                enclosing_exclave_country,
            } => {
                out.status = "resolved";
                out.country = Some(country.clone());
                out.subdivision = subdivision.clone();
                out.subdivision_candidates = subdivision_candidates.clone();
                out.country_exclave = *country_exclave;
                out.enclosing_exclave_country = enclosing_exclave_country.clone();
            }
            CoreResolution::Ambiguous { candidates } => {
                out.status = "ambiguous";
                out.candidates = candidates.iter().map(|c| c.country.clone()).collect();
            }
            CoreResolution::Unresolved => {}
        }
        out
    }
}

#[pymethods]
impl Resolution {
    /// The resolution as the JSON object `aegis geo resolve` prints (compact text).
    ///
    /// Returns:
    ///     str: the JSON text.
    ///
    /// Raises:
    ///     Nothing: the text was made with the resolution.
    fn to_json(&self) -> String {
        self.json.clone()
    }

    fn __repr__(&self) -> String {
        let text = |v: &Option<String>| v.as_ref().map_or("None".to_owned(), |s| format!("'{s}'"));
        let list = |v: &[String]| {
            let items: Vec<String> = v.iter().map(|s| format!("'{s}'")).collect();
            format!("[{}]", items.join(", "))
        };
        match self.status {
            "resolved" => format!(
                "Resolution(status='resolved', country={}, subdivision={}, subdivision_candidates={}, country_exclave={}, enclosing_exclave_country={})",
                text(&self.country),
                text(&self.subdivision),
                list(&self.subdivision_candidates),
                if self.country_exclave { "True" } else { "False" },
                text(&self.enclosing_exclave_country),
            ),
            "ambiguous" => format!(
                "Resolution(status='ambiguous', candidates={})",
                list(&self.candidates)
            ),
            _ => "Resolution(status='unresolved')".to_owned(),
        }
    }
}

/// The jurisdiction(s) of a reading: the circle of `accuracy_m` metres around (`latitude`,
/// `longitude`), WGS 84 degrees, from the embedded boundary data (OpenStreetMap-derived, ODbL;
/// decoded on the first call, the GIL released).
///
/// Args:
///     latitude: degrees, -90 to 90.
///     longitude: degrees, -180 to 180.
///     accuracy_m: the accuracy radius in metres (default 0: a point).
///
/// Returns:
///     Resolution: resolved (country, subdivision), ambiguous (every candidate) or unresolved.
///
/// Raises:
///     GeoError: "LatitudeOutOfRange", "LongitudeOutOfRange" (also for NaN) or
///         "InvalidAccuracy" (negative, infinite or NaN).
#[pyfunction]
#[pyo3(signature = (latitude, longitude, accuracy_m = 0.0))]
fn geo_resolve(
    py: Python<'_>,
    latitude: f64,
    longitude: f64,
    accuracy_m: f64,
) -> PyResult<Resolution> {
    let r = py
        .allow_threads(|| jurisdiction::resolve(latitude, longitude, accuracy_m))
        .py_err(py)?;
    Ok(Resolution::new(&r))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Resolution>()?;
    m.add_function(wrap_pyfunction!(geo_resolve, m)?)
}
