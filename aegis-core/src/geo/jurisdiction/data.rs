//! The embedded boundary raster (aegis-core/data: ODbL, © OpenStreetMap contributors; format in
//! data/README.md): its decoder, the point lookup, and the boundary edges near a circle.

use std::collections::{HashMap, HashSet};

use crate::error::{Error, Result};
use crate::geo::geometry::{distance_to_box_m, nearest_on_segment, LonLat, EARTH_RADIUS_M};

/// The boundary database (see aegis-core/data/NOTICE for its licence and source).
pub(super) static BOUNDARIES: &[u8] = include_bytes!("../../../data/boundaries360x180.ser");

/// The only format version this decoder reads.
const FORMAT_VERSION: u16 = 2;
/// Local cell coordinates run from 0 to this, west to east and south to north.
const LOCAL_MAX: f64 = 65535.0;
/// Most ids one point may lie in (country, dependency, subdivisions): more are ignored.
const MAX_IDS_AT_POINT: usize = 16;
/// Rings with at least this many points get an index of their edges by latitude band.
const BANDED_RING: usize = 48;
/// Latitude bands of such an index (each 65536 / BANDS local units high).
const BANDS: usize = 32;
/// A cell's edges are indexed on a GRID x GRID grid of its area.
const GRID: usize = 8;

/// Reserved and user-assigned ISO 3166-1 codes in the data, and what Aegis reports for them:
/// (data id, ISO 3166-1 country, ISO 3166-2 subdivision implied by it). FORMATS.md: Ceuta and
/// Melilla (EA) are ES; likewise the Canaries (IC, ES-CN), Ascension and Tristan da Cunha (AC,
/// TA: parts of SH), Diego Garcia (DG, in IO) and Clipperton (CP, FR-CP). XK (Kosovo, a
/// user-assigned code the data uses where it has no other) is kept as it is.
const RESERVED_CODES: &[(&str, &str, Option<&str>)] = &[
    ("EA", "ES", None),
    ("IC", "ES", Some("ES-CN")),
    ("AC", "SH", Some("SH-AC")),
    ("TA", "SH", Some("SH-TA")),
    ("DG", "IO", None),
    ("CP", "FR", Some("FR-CP")),
];

/// What an id of the data names.
#[derive(Debug)]
enum Kind {
    /// An ISO 3166-1 area (after [`RESERVED_CODES`]).
    Country {
        code: String,
        implied_subdivision: Option<String>,
    },
    /// An ISO 3166-2 area; `prefix` is the country part of its code.
    Subdivision { code: String, prefix: String },
    /// Anything else (ignored).
    Other,
}

#[derive(Debug)]
struct Area {
    /// Area in the data's units: among the ids containing a point, the smallest is the most
    /// specific.
    size: f64,
    kind: Kind,
}

/// A ring in cell-local coordinates with its bounding box.
#[derive(Debug)]
struct Ring {
    points: Vec<[u16; 2]>,
    min: [u16; 2],
    max: [u16; 2],
    /// For long rings: for each latitude band, the edges (index of their end point) whose
    /// latitudes overlap it; empty for short rings.
    bands: Vec<Vec<u32>>,
}

impl Ring {
    fn new(points: Vec<[u16; 2]>) -> Self {
        let (mut min, mut max) = ([u16::MAX; 2], [0u16; 2]);
        for p in &points {
            min = [min[0].min(p[0]), min[1].min(p[1])];
            max = [max[0].max(p[0]), max[1].max(p[1])];
        }
        let mut bands = Vec::new();
        if points.len() >= BANDED_RING {
            bands = vec![Vec::new(); BANDS];
            let mut a = points.last().copied().unwrap_or_default();
            for (i, &b) in points.iter().enumerate() {
                let (lo, hi) = (band(a[1].min(b[1])), band(a[1].max(b[1])));
                for list in bands.iter_mut().take(hi + 1).skip(lo) {
                    list.push(i as u32);
                }
                a = b;
            }
        }
        Ring {
            points,
            min,
            max,
            bands,
        }
    }
}

/// The latitude band of a local y coordinate.
fn band(y: u16) -> usize {
    usize::from(y) * BANDS / 65536
}

/// The part of one id's area inside a cell (clipped polygons).
#[derive(Debug)]
struct Part {
    area: u16,
    outer: Vec<Ring>,
    inner: Vec<Ring>,
}

#[derive(Debug)]
struct Cell {
    /// Ids covering the whole cell.
    containing: Vec<u16>,
    /// Ids covering part of it.
    parts: Vec<Part>,
    /// The polygon edges inside the cell, absolute, without duplicates and without those lying
    /// on the cell's sides (the sides are tested as edges of their own).
    edges: Vec<(LonLat, LonLat)>,
    /// The edges (indices into `edges`) whose bounding boxes meet each square of a GRID x GRID
    /// grid over the cell, row-major from the south-west.
    grid: Vec<Vec<u32>>,
}

/// Where a point lies: its country (ISO 3166-1) and subdivision of that country (ISO 3166-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct State<'a> {
    pub country: Option<&'a str>,
    pub subdivision: Option<&'a str>,
}

/// The decoded database.
#[derive(Debug)]
pub(super) struct Dataset {
    width: usize,
    height: usize,
    areas: Vec<Area>,
    cells: Vec<Cell>,
}

struct Reader<'a> {
    data: &'a [u8],
}

fn corrupt(what: &'static str) -> Error {
    Error::BoundaryDataCorrupt { what }
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.data.len() < n {
            return Err(corrupt("truncated"));
        }
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        self.take(N)?.try_into().map_err(|_| corrupt("truncated"))
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(u8::from_be_bytes(self.array()?))
    }
    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<usize> {
        usize::try_from(u32::from_be_bytes(self.array()?)).map_err(|_| corrupt("count"))
    }
    fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_be_bytes(self.array()?))
    }
    fn string(&mut self) -> Result<&'a str> {
        let n = usize::from(self.u16()?);
        core::str::from_utf8(self.take(n)?).map_err(|_| corrupt("id is not UTF-8"))
    }
    /// A count of items each at least `min_size` bytes long, checked against what is left.
    fn count(&mut self, n: usize, min_size: usize) -> Result<usize> {
        if n.saturating_mul(min_size) > self.data.len() {
            return Err(corrupt("count beyond the data"));
        }
        Ok(n)
    }
    fn ring(&mut self) -> Result<Ring> {
        let n = self.u32()?;
        let n = self.count(n, 4)?;
        let points = (0..n)
            .map(|_| Ok([self.u16()?, self.u16()?]))
            .collect::<Result<Vec<_>>>()?;
        Ok(Ring::new(points))
    }
    fn rings(&mut self) -> Result<Vec<Ring>> {
        let n = usize::from(self.u8()?);
        (0..n).map(|_| self.ring()).collect()
    }
}

fn classify(id: &str) -> Kind {
    let upper = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase());
    if id.len() == 2 && upper(id) {
        let (code, implied) = RESERVED_CODES
            .iter()
            .find(|(data_id, _, _)| *data_id == id)
            .map_or((id, None), |(_, code, sub)| (*code, *sub));
        return Kind::Country {
            code: code.to_owned(),
            implied_subdivision: implied.map(str::to_owned),
        };
    }
    match id.split_once('-') {
        Some((prefix, rest))
            if prefix.len() == 2
                && upper(prefix)
                && !rest.is_empty()
                && rest.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            Kind::Subdivision {
                code: id.to_owned(),
                prefix: prefix.to_owned(),
            }
        }
        _ => Kind::Other,
    }
}

impl Dataset {
    /// Decodes the database (format version 2, data/README.md).
    pub(super) fn decode(data: &[u8]) -> Result<Self> {
        let mut r = Reader { data };
        if r.u16()? != FORMAT_VERSION {
            return Err(corrupt("format version"));
        }
        let n = r.u32()?;
        let n = r.count(n, 10)?;
        let mut index: HashMap<String, u16> = HashMap::with_capacity(n);
        let mut areas = Vec::with_capacity(n);
        for _ in 0..n {
            let id = r.string()?;
            let size = r.f64()?;
            let i = u16::try_from(areas.len()).map_err(|_| corrupt("too many ids"))?;
            index.insert(id.to_owned(), i);
            areas.push(Area {
                size,
                kind: classify(id),
            });
        }
        let width = r.u32()?;
        let size = r.u32()?;
        let size = r.count(size, 2)?;
        if width == 0 || size % width != 0 {
            return Err(corrupt("raster shape"));
        }
        let height = size / width;
        let mut lookup = |id: &str| -> Result<u16> {
            if let Some(&i) = index.get(id) {
                return Ok(i);
            }
            // An id without a size: the least specific of all.
            let i = u16::try_from(areas.len()).map_err(|_| corrupt("too many ids"))?;
            index.insert(id.to_owned(), i);
            areas.push(Area {
                size: f64::INFINITY,
                kind: classify(id),
            });
            Ok(i)
        };
        let mut cells = Vec::with_capacity(size);
        for i in 0..size {
            let n = usize::from(r.u8()?);
            let containing = (0..n)
                .map(|_| r.string().and_then(&mut lookup))
                .collect::<Result<Vec<_>>>()?;
            let n = usize::from(r.u8()?);
            let mut parts = Vec::with_capacity(n);
            for _ in 0..n {
                let area = lookup(r.string()?)?;
                let outer = r.rings()?;
                let inner = r.rings()?;
                parts.push(Part { area, outer, inner });
            }
            let (x, y) = (i % width, i / width);
            let origin = cell_origin(width, height, x, y);
            let edges = cell_edges(&parts, origin, (width, height));
            let grid = edge_grid(
                &edges,
                origin,
                (360.0 / width as f64, 180.0 / height as f64),
            );
            cells.push(Cell {
                containing,
                parts,
                edges,
                grid,
            });
        }
        if !r.data.is_empty() {
            return Err(corrupt("trailing bytes"));
        }
        Ok(Dataset {
            width,
            height,
            areas,
            cells,
        })
    }

    fn cell_width(&self) -> f64 {
        360.0 / self.width as f64
    }
    fn cell_height(&self) -> f64 {
        180.0 / self.height as f64
    }

    /// The cell column holding a longitude (any value; wrapped to -180..180).
    fn column(&self, lon: f64) -> usize {
        let lon = (lon + 180.0).rem_euclid(360.0);
        ((lon / self.cell_width()).floor() as usize).min(self.width - 1)
    }
    /// The cell row (0 = northernmost) holding a latitude; a latitude on a row's southern side
    /// belongs to that row.
    fn row(&self, lat: f64) -> usize {
        let r = ((90.0 - lat.clamp(-90.0, 90.0)) / self.cell_height()).ceil() as usize;
        r.saturating_sub(1).min(self.height - 1)
    }

    fn cell_box(&self, x: usize, y: usize) -> (LonLat, LonLat) {
        let sw = cell_origin(self.width, self.height, x, y);
        let ne = LonLat::new(sw.lon + self.cell_width(), sw.lat + self.cell_height());
        (sw, ne)
    }

    /// Where `p` lies: the most specific country containing it, and the most specific
    /// subdivision of that same country (never one of another country).
    pub(super) fn state_at(&self, p: LonLat) -> State<'_> {
        let (x, y) = (self.column(p.lon), self.row(p.lat));
        let Some(cell) = self.cells.get(y * self.width + x) else {
            return State {
                country: None,
                subdivision: None,
            };
        };
        let origin = cell_origin(self.width, self.height, x, y);
        let local = [
            ((p.lon + 180.0).rem_euclid(360.0) - 180.0 - origin.lon) / self.cell_width()
                * LOCAL_MAX,
            (p.lat - origin.lat) / self.cell_height() * LOCAL_MAX,
        ];
        let mut ids = [0u16; MAX_IDS_AT_POINT];
        let mut n = 0;
        let covering = cell
            .parts
            .iter()
            .filter(|part| part_covers(part, local))
            .map(|part| part.area);
        for id in cell.containing.iter().copied().chain(covering) {
            if let Some(slot) = ids.get_mut(n) {
                *slot = id;
                n += 1;
            }
        }
        let ids = ids.get(..n).unwrap_or_default();
        self.state_of(ids)
    }

    fn state_of(&self, ids: &[u16]) -> State<'_> {
        let areas = || ids.iter().filter_map(|&i| self.areas.get(usize::from(i)));
        let most_specific = |a: &&Area, b: &&Area| a.size.total_cmp(&b.size);
        let country = areas()
            .filter(|a| matches!(a.kind, Kind::Country { .. }))
            .min_by(most_specific);
        let Some(Area {
            kind:
                Kind::Country {
                    code,
                    implied_subdivision,
                },
            ..
        }) = country
        else {
            return State {
                country: None,
                subdivision: None,
            };
        };
        let subdivision = areas()
            .filter(|a| matches!(&a.kind, Kind::Subdivision { prefix, .. } if prefix == code))
            .min_by(most_specific)
            .and_then(|a| match &a.kind {
                Kind::Subdivision { code, .. } => Some(code.as_str()),
                _ => None,
            })
            .or(implied_subdivision.as_deref());
        State {
            country: Some(code),
            subdivision,
        }
    }

    /// Calls `visit` with every boundary edge (polygon edges and cell sides) that comes nearer
    /// than `radius_m` to `centre`, as the edge's end points and its point nearest `centre`.
    pub(super) fn edges_near(
        &self,
        centre: LonLat,
        radius_m: f64,
        mut visit: impl FnMut(LonLat, LonLat, LonLat),
    ) {
        let angle = radius_m / EARTH_RADIUS_M;
        let dlat = angle.to_degrees();
        let (lat_lo, lat_hi) = (centre.lat - dlat, centre.lat + dlat);
        // Half-width in longitude of the circle (a spherical cap), or every column when it
        // reaches a pole.
        let half = if lat_hi >= 90.0 || lat_lo <= -90.0 || angle >= core::f64::consts::PI {
            180.0
        } else {
            let s = angle.sin() / centre.lat.to_radians().cos();
            if s >= 1.0 {
                180.0
            } else {
                s.asin().to_degrees()
            }
        };
        // A point within the circle lies within these latitudes, so its longitude gap to the
        // centre is at most `lon_reach` (haversine: sin(d/2) >= cos(lat_max) sin(dlon/2)).
        let cos_max = lat_lo.abs().max(lat_hi.abs()).min(90.0).to_radians().cos();
        let s = (angle / 2.0).sin() / cos_max;
        let lon_reach = if s >= 1.0 || !s.is_finite() {
            180.0
        } else {
            2.0 * s.asin().to_degrees()
        };
        let all_columns = 2.0 * half + self.cell_width() >= 360.0;
        let columns = if all_columns {
            self.width
        } else {
            let first = self.column(centre.lon - half);
            let last = self.column(centre.lon + half);
            (last + self.width - first) % self.width + 1
        };
        let first = if all_columns {
            0
        } else {
            self.column(centre.lon - half)
        };
        let near = |a: LonLat, b: LonLat| -> Option<LonLat> {
            if a.lat.max(b.lat) < lat_lo || a.lat.min(b.lat) > lat_hi {
                return None;
            }
            let in_lon = |lon: f64| lon_gap(centre.lon, lon);
            let (lo, hi) = (a.lon.min(b.lon), a.lon.max(b.lon));
            let inside = (lo..=hi).contains(&centre.lon);
            if !inside && in_lon(lo).min(in_lon(hi)) > lon_reach {
                return None;
            }
            let (d, q) = nearest_on_segment(centre, a, b);
            (d < radius_m).then_some(q)
        };
        for y in self.row(lat_hi)..=self.row(lat_lo) {
            for i in 0..columns {
                let x = (first + i) % self.width;
                let (sw, ne) = self.cell_box(x, y);
                if distance_to_box_m(centre, sw, ne) >= radius_m {
                    continue;
                }
                let Some(cell) = self.cells.get(y * self.width + x) else {
                    continue;
                };
                let nw = LonLat::new(sw.lon, ne.lat);
                let se = LonLat::new(ne.lon, sw.lat);
                // The grid squares the circle's latitude and longitude ranges meet.
                let (cw, ch) = (self.cell_width(), self.cell_height());
                let square = |v: f64, origin: f64, size: f64| {
                    ((v - origin) / size * GRID as f64)
                        .floor()
                        .clamp(0.0, (GRID - 1) as f64) as usize
                };
                let (gx0, gx1) = if lon_reach >= 180.0 {
                    (0, GRID - 1)
                } else {
                    // The centre's longitude in this cell's frame (across the antimeridian too).
                    let mid = sw.lon + cw / 2.0;
                    let c = mid + (centre.lon - mid + 540.0).rem_euclid(360.0) - 180.0;
                    (
                        square(c - lon_reach, sw.lon, cw),
                        square(c + lon_reach, sw.lon, cw),
                    )
                };
                let (gy0, gy1) = (square(lat_lo, sw.lat, ch), square(lat_hi, sw.lat, ch));
                let mut chosen: Vec<u32> = Vec::new();
                for gy in gy0..=gy1 {
                    for gx in gx0..=gx1 {
                        if let Some(list) = cell.grid.get(gy * GRID + gx) {
                            chosen.extend_from_slice(list);
                        }
                    }
                }
                chosen.sort_unstable();
                chosen.dedup();
                let polygon_edges = chosen
                    .iter()
                    .filter_map(|&i| cell.edges.get(i as usize).copied());
                let sides = [(sw, nw), (nw, ne), (ne, se), (se, sw)];
                for (a, b) in polygon_edges.chain(sides) {
                    if let Some(q) = near(a, b) {
                        visit(a, b, q);
                    }
                }
            }
        }
    }
}

/// The angle between two longitudes in degrees, 0 to 180.
fn lon_gap(a: f64, b: f64) -> f64 {
    let d = (a - b).abs() % 360.0;
    if d > 180.0 {
        360.0 - d
    } else {
        d
    }
}

/// The south-west corner of cell (x, y).
fn cell_origin(width: usize, height: usize, x: usize, y: usize) -> LonLat {
    LonLat::new(
        -180.0 + 360.0 * x as f64 / width as f64,
        90.0 - 180.0 * (y + 1) as f64 / height as f64,
    )
}

/// For each square of a GRID x GRID grid over the cell at `origin` of size (`cw`, `ch`) degrees,
/// the indices of the edges whose bounding boxes meet it.
fn edge_grid(edges: &[(LonLat, LonLat)], origin: LonLat, (cw, ch): (f64, f64)) -> Vec<Vec<u32>> {
    let mut grid = vec![Vec::new(); GRID * GRID];
    let square = |v: f64, o: f64, size: f64| {
        ((v - o) / size * GRID as f64)
            .floor()
            .clamp(0.0, (GRID - 1) as f64) as usize
    };
    for (i, (a, b)) in edges.iter().enumerate() {
        let (x0, x1) = (
            square(a.lon.min(b.lon), origin.lon, cw),
            square(a.lon.max(b.lon), origin.lon, cw),
        );
        let (y0, y1) = (
            square(a.lat.min(b.lat), origin.lat, ch),
            square(a.lat.max(b.lat), origin.lat, ch),
        );
        for gy in y0..=y1 {
            for gx in x0..=x1 {
                if let Some(list) = grid.get_mut(gy * GRID + gx) {
                    list.push(i as u32);
                }
            }
        }
    }
    grid
}

/// The distinct polygon edges of a cell in absolute coordinates, except those on its sides.
fn cell_edges(parts: &[Part], origin: LonLat, (w, h): (usize, usize)) -> Vec<(LonLat, LonLat)> {
    let (cw, ch) = (360.0 / w as f64, 180.0 / h as f64);
    let abs = |p: [u16; 2]| {
        LonLat::new(
            origin.lon + f64::from(p[0]) / LOCAL_MAX * cw,
            origin.lat + f64::from(p[1]) / LOCAL_MAX * ch,
        )
    };
    let on_side = |a: [u16; 2], b: [u16; 2]| {
        (0..2).any(|k| {
            let (ak, bk) = (a.get(k), b.get(k));
            ak == bk && matches!(ak, Some(&0) | Some(&u16::MAX))
        })
    };
    let mut seen = HashSet::new();
    let mut edges = Vec::new();
    let rings = parts
        .iter()
        .flat_map(|p| p.outer.iter().chain(p.inner.iter()));
    for ring in rings {
        let Some(&last) = ring.points.last() else {
            continue;
        };
        let mut a = last;
        for &b in &ring.points {
            let key = if a <= b { (a, b) } else { (b, a) };
            if a != b && !on_side(a, b) && seen.insert(key) {
                edges.push((abs(a), abs(b)));
            }
            a = b;
        }
    }
    edges
}

fn part_covers(part: &Part, p: [f64; 2]) -> bool {
    let inside = |r: &&Ring| ring_contains(r, p);
    let outer = part.outer.iter().filter(inside).count();
    let inner = part.inner.iter().filter(inside).count();
    outer > inner
}

/// Winding-number point in ring, in cell-local coordinates (the rule of the data's generator:
/// points on the lower and left edges are inside). Only edges spanning the point's latitude
/// count, so a long ring's band index gives all of them.
fn ring_contains(ring: &Ring, p: [f64; 2]) -> bool {
    let [px, py] = p;
    if px < f64::from(ring.min[0])
        || py < f64::from(ring.min[1])
        || px > f64::from(ring.max[0])
        || py > f64::from(ring.max[1])
    {
        return false;
    }
    let n = ring.points.len();
    let edge = |i: usize| -> Option<([u16; 2], [u16; 2])> {
        let a = ring
            .points
            .get(if i == 0 { n.checked_sub(1)? } else { i - 1 })?;
        Some((*a, *ring.points.get(i)?))
    };
    let mut winding = 0i32;
    let mut count = |(a, b): ([u16; 2], [u16; 2])| {
        let (ax, ay, bx, by) = (
            f64::from(a[0]),
            f64::from(a[1]),
            f64::from(b[0]),
            f64::from(b[1]),
        );
        let left = (bx - ax) * (py - ay) - (px - ax) * (by - ay);
        if ay <= py {
            if by > py && left > 0.0 {
                winding += 1;
            }
        } else if by <= py && left < 0.0 {
            winding -= 1;
        }
    };
    if ring.bands.is_empty() {
        (0..n).filter_map(edge).for_each(&mut count);
    } else {
        // py is within [min, max] of u16 values, so it converts to a band exactly.
        let b = band(py.clamp(0.0, LOCAL_MAX) as u16);
        if let Some(list) = ring.bands.get(b) {
            list.iter()
                .filter_map(|&i| edge(i as usize))
                .for_each(&mut count);
        }
    }
    winding != 0
}
