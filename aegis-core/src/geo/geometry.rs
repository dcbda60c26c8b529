//! Geometry on the sphere for jurisdictions and geofences: distances in metres, point in polygon.
//!
//! Positions are WGS 84 degrees. Edges are straight lines in longitude/latitude, as RFC 7946
//! (GeoJSON), 3.1.1 defines them ("a straight Cartesian line between two positions") and as
//! boundary rasters store them; distances are great-circle distances on a sphere of the IUGG
//! mean Earth radius [`EARTH_RADIUS_M`].
//!
//! Error bound: the sphere differs from the WGS 84 ellipsoid's geodesic by at most 0.56 % of the
//! distance (meridian radius of curvature 6,335 km at the equator, 6,400 km at the poles, against
//! the 6,371 km mean): 0.6 m at 100 m, 5.6 m at 1 km. [`distance_to_segment_m`] is within
//! [`SEGMENT_TOLERANCE_M`] of the exact spherical distance to the lon/lat-straight edge.
//! Longitudes of one edge or box must not straddle the antimeridian (RFC 7946, 3.1.9 cuts such
//! geometry in two).

/// IUGG mean Earth radius R1 = (2a + b) / 3 for WGS 84, in metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// How far [`distance_to_segment_m`] may be above the exact distance, in metres.
pub const SEGMENT_TOLERANCE_M: f64 = 0.01;

/// Most sub-segments [`distance_to_segment_m`] examines (bounded work; reached only for edges
/// far longer than any boundary edge, where the result is still an upper bound within metres).
const MAX_SPLITS: usize = 4096;

/// A WGS 84 position in degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LonLat {
    /// Longitude, degrees east, -180 to 180.
    pub lon: f64,
    /// Latitude, degrees north, -90 to 90.
    pub lat: f64,
}

impl LonLat {
    /// A position from longitude and latitude in degrees (GeoJSON order).
    pub const fn new(lon: f64, lat: f64) -> Self {
        LonLat { lon, lat }
    }
}

/// Great-circle (haversine) distance between two positions, metres.
pub fn distance_m(a: LonLat, b: LonLat) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// The angle between two longitudes in degrees, 0 to 180 (across the antimeridian when shorter).
fn lon_gap(a: f64, b: f64) -> f64 {
    let d = (a - b).abs() % 360.0;
    if d > 180.0 {
        360.0 - d
    } else {
        d
    }
}

/// Exact distance from `p` to the meridian segment at longitude `lon` from `lat_lo` to `lat_hi`.
fn distance_to_meridian_m(p: LonLat, lon: f64, lat_lo: f64, lat_hi: f64) -> f64 {
    // Along the meridian, cos(distance) = sin(lat_p) sin(lat) + cos(lat_p) cos(lat) cos(dlon)
    // = C cos(lat - lat*): unimodal, its nearest point at lat* when inside, else an end.
    let dlon = lon_gap(p.lon, lon).to_radians();
    let phi = p.lat.to_radians();
    let star = phi.sin().atan2(phi.cos() * dlon.cos()).to_degrees();
    let at = |lat: f64| distance_m(p, LonLat::new(lon, lat));
    if (lat_lo..=lat_hi).contains(&star) {
        at(star)
    } else {
        at(lat_lo).min(at(lat_hi))
    }
}

/// Exact smallest distance from `p` to the longitude/latitude box `[min, max]` (0 inside it),
/// metres. `min.lon <= max.lon` and `min.lat <= max.lat`.
pub fn distance_to_box_m(p: LonLat, min: LonLat, max: LonLat) -> f64 {
    let in_lon = (min.lon..=max.lon).contains(&p.lon)
        || (min.lon..=max.lon).contains(&(p.lon + 360.0))
        || (min.lon..=max.lon).contains(&(p.lon - 360.0));
    if in_lon {
        // The meridian through p is the shortest way to the box's latitude band.
        let dlat = (min.lat - p.lat).max(p.lat - max.lat).max(0.0);
        return dlat.to_radians() * EARTH_RADIUS_M;
    }
    // Outside the longitude range, the nearest point is on a meridian edge: a point of a
    // parallel edge is never nearer than that edge's end at the same latitude.
    distance_to_meridian_m(p, min.lon, min.lat, max.lat)
        .min(distance_to_meridian_m(p, max.lon, min.lat, max.lat))
}

/// Distance from `p` to the edge from `a` to `b` (straight in longitude/latitude), metres, at
/// most [`SEGMENT_TOLERANCE_M`] above the exact value.
///
/// Branch and bound over halves of the edge: each half's bounding box gives an exact lower
/// bound ([`distance_to_box_m`]), its midpoint an upper one.
pub fn distance_to_segment_m(p: LonLat, a: LonLat, b: LonLat) -> f64 {
    segment_search(p, a, b).0
}

/// The point of the edge from `a` to `b` nearest `p`, and its distance in metres (as
/// [`distance_to_segment_m`]).
pub fn nearest_on_segment(p: LonLat, a: LonLat, b: LonLat) -> (f64, LonLat) {
    segment_search(p, a, b)
}

/// Whether the edge from `a` to `b` comes within `radius_m` of `p` (strictly nearer), to within
/// [`SEGMENT_TOLERANCE_M`]: a point nearer than `radius_m - SEGMENT_TOLERANCE_M` is always
/// found, one between that and `radius_m` may be missed.
///
/// The branch and bound of [`distance_to_segment_m`], pruned against the radius instead of the
/// nearest point so far: an edge whose bounding box is farther than the radius costs one bound,
/// and that bound tries the latitude gap (no trigonometry) first.
pub fn segment_within_m(p: LonLat, a: LonLat, b: LonLat, radius_m: f64) -> bool {
    let prune_at = radius_m - SEGMENT_TOLERANCE_M;
    if box_farther_than(p, a, b, prune_at) {
        return false;
    }
    if distance_m(p, a) < radius_m || distance_m(p, b) < radius_m {
        return true;
    }
    let mut stack = vec![(a, b)];
    let mut splits = 0usize;
    while let Some((s, e)) = stack.pop() {
        if box_farther_than(p, s, e, prune_at) {
            continue;
        }
        let mid = LonLat::new((s.lon + e.lon) / 2.0, (s.lat + e.lat) / 2.0);
        if distance_m(p, mid) < radius_m {
            return true;
        }
        splits += 1;
        if splits > MAX_SPLITS {
            return false;
        }
        stack.push((s, mid));
        stack.push((mid, e));
    }
    false
}

/// Whether some edge of the ring (closing edge included) comes within `radius_m` of `p`, as
/// [`segment_within_m`].
pub fn ring_within_m(p: LonLat, ring: &[LonLat], radius_m: f64) -> bool {
    let Some(mut a) = ring.last().copied() else {
        return false;
    };
    ring.iter().any(|&b| {
        let near = segment_within_m(p, a, b, radius_m);
        a = b;
        near
    })
}

/// Whether the bounding box of the edge from `s` to `e` is at least `limit` metres from `p`:
/// the latitude gap first (a great circle changes latitude no faster than it advances, so that
/// gap is a lower bound), then the exact box distance.
fn box_farther_than(p: LonLat, s: LonLat, e: LonLat, limit: f64) -> bool {
    let lo = LonLat::new(s.lon.min(e.lon), s.lat.min(e.lat));
    let hi = LonLat::new(s.lon.max(e.lon), s.lat.max(e.lat));
    let lat_gap_m = (lo.lat - p.lat).max(p.lat - hi.lat).max(0.0).to_radians() * EARTH_RADIUS_M;
    lat_gap_m >= limit || distance_to_box_m(p, lo, hi) >= limit
}

/// The nearest point of the edge to `p` and its distance.
fn segment_search(p: LonLat, a: LonLat, b: LonLat) -> (f64, LonLat) {
    let (da, db) = (distance_m(p, a), distance_m(p, b));
    let mut best = if da <= db { (da, a) } else { (db, b) };
    let mut stack = vec![(a, b)];
    let mut splits = 0usize;
    while let Some((s, e)) = stack.pop() {
        let lo = LonLat::new(s.lon.min(e.lon), s.lat.min(e.lat));
        let hi = LonLat::new(s.lon.max(e.lon), s.lat.max(e.lat));
        if distance_to_box_m(p, lo, hi) >= best.0 - SEGMENT_TOLERANCE_M {
            continue;
        }
        let mid = LonLat::new((s.lon + e.lon) / 2.0, (s.lat + e.lat) / 2.0);
        let dm = distance_m(p, mid);
        if dm < best.0 {
            best = (dm, mid);
        }
        splits += 1;
        if splits > MAX_SPLITS {
            break;
        }
        stack.push((s, mid));
        stack.push((mid, e));
    }
    best
}

/// Whether `p` lies inside the ring (winding number, edges straight in longitude/latitude; the
/// closing edge is implied, a repeated first position is harmless). Points exactly on an edge
/// may fall either way.
pub fn point_in_ring(p: LonLat, ring: &[LonLat]) -> bool {
    let Some(mut a) = ring.last().copied() else {
        return false;
    };
    let mut winding = 0i32;
    for &b in ring {
        let left = (b.lon - a.lon) * (p.lat - a.lat) - (p.lon - a.lon) * (b.lat - a.lat);
        if a.lat <= p.lat {
            if b.lat > p.lat && left > 0.0 {
                winding += 1;
            }
        } else if b.lat <= p.lat && left < 0.0 {
            winding -= 1;
        }
        a = b;
    }
    winding != 0
}

/// Whether `p` lies inside the polygon: inside `exterior` and in none of `holes` (RFC 7946,
/// 3.1.6).
pub fn point_in_polygon(p: LonLat, exterior: &[LonLat], holes: &[Vec<LonLat>]) -> bool {
    point_in_ring(p, exterior) && !holes.iter().any(|h| point_in_ring(p, h))
}

/// Smallest distance from `p` to any edge of the ring (closing edge included), metres.
pub fn distance_to_ring_m(p: LonLat, ring: &[LonLat]) -> f64 {
    let Some(mut a) = ring.last().copied() else {
        return f64::INFINITY;
    };
    let mut best = f64::INFINITY;
    for &b in ring {
        best = best.min(distance_to_segment_m(p, a, b));
        a = b;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ll(lon: f64, lat: f64) -> LonLat {
        LonLat::new(lon, lat)
    }

    #[test]
    fn haversine_matches_known_distances() {
        // One degree of latitude on the mean sphere.
        let d = distance_m(ll(0.0, 0.0), ll(0.0, 1.0));
        assert!((d - 111_195.08).abs() < 0.1, "{d}");
        // Across the antimeridian.
        let d = distance_m(ll(179.5, 0.0), ll(-179.5, 0.0));
        assert!((d - 111_195.08).abs() < 0.1, "{d}");
        assert_eq!(distance_m(ll(6.1, 46.2), ll(6.1, 46.2)), 0.0);
    }

    #[test]
    fn box_distance_is_exact() {
        let (lo, hi) = (ll(0.0, 0.0), ll(1.0, 1.0));
        assert_eq!(distance_to_box_m(ll(0.5, 0.5), lo, hi), 0.0);
        let north = distance_to_box_m(ll(0.5, 2.0), lo, hi);
        assert!((north - 111_195.08).abs() < 0.1);
        // East of the box at latitude 60: the nearest point of the meridian edge lies poleward of
        // p, nearer than the point at p's own latitude.
        let p = ll(3.0, 60.5);
        let d = distance_to_box_m(p, ll(0.0, 60.0), ll(1.0, 61.0));
        assert!(d < distance_m(p, ll(1.0, 60.5)));
        // Brute force over the edge agrees.
        let brute = (0..=10_000)
            .map(|i| distance_m(p, ll(1.0, 60.0 + f64::from(i) / 10_000.0)))
            .fold(f64::INFINITY, f64::min);
        assert!((d - brute).abs() < 0.01, "{d} {brute}");
    }

    #[test]
    fn segment_distance_matches_brute_force() {
        let cases = [
            (ll(8.0, 47.0), ll(7.0, 46.0), ll(9.0, 46.5)),
            (ll(20.0, 70.0), ll(19.0, 69.0), ll(21.5, 69.2)),
            (ll(0.0, 0.0), ll(1.0, 1.0), ll(2.0, 2.0)),
            (ll(-70.0, -50.0), ll(-70.5, -50.5), ll(-69.0, -50.1)),
        ];
        for (p, a, b) in cases {
            let brute = (0..=100_000)
                .map(|i| {
                    let t = f64::from(i) / 100_000.0;
                    distance_m(
                        p,
                        ll(a.lon + t * (b.lon - a.lon), a.lat + t * (b.lat - a.lat)),
                    )
                })
                .fold(f64::INFINITY, f64::min);
            let d = distance_to_segment_m(p, a, b);
            assert!(d <= brute + 0.02 && d >= brute - 0.05, "{d} {brute}");
            assert!(segment_within_m(p, a, b, brute + 1.0));
            assert!(!segment_within_m(p, a, b, brute - 1.0));
        }
    }

    #[test]
    fn ring_within_agrees_with_the_ring_distance() {
        // A lake-sized quadrilateral with a slanted edge, points inside, outside and near the
        // edges, radii from 0 to 50 km: within iff the distance is below the radius, outside
        // the tolerance band around it.
        let ring = [
            ll(5.95, 46.13),
            ll(6.95, 46.13),
            ll(6.8, 46.55),
            ll(5.95, 46.55),
        ];
        let mut checked = 0;
        for i in 0..=40 {
            for j in 0..=40 {
                let p = ll(5.8 + f64::from(i) * 0.03, 46.0 + f64::from(j) * 0.017);
                let d = distance_to_ring_m(p, &ring);
                for r in [0.0, 10.0, 25.0, 1_000.0, 5_000.0, 50_000.0] {
                    let within = ring_within_m(p, &ring, r);
                    if d < r - SEGMENT_TOLERANCE_M {
                        assert!(within, "{p:?} d={d} r={r}");
                        checked += 1;
                    } else if d >= r + SEGMENT_TOLERANCE_M {
                        assert!(!within, "{p:?} d={d} r={r}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 9_000, "{checked}");
        assert!(!ring_within_m(ll(6.0, 46.2), &[], 1e9));
    }

    #[test]
    fn rings_and_holes() {
        let square = [ll(0.0, 0.0), ll(10.0, 0.0), ll(10.0, 10.0), ll(0.0, 10.0)];
        let hole = vec![ll(2.0, 2.0), ll(8.0, 2.0), ll(8.0, 8.0), ll(2.0, 8.0)];
        assert!(point_in_ring(ll(5.0, 5.0), &square));
        assert!(!point_in_ring(ll(15.0, 5.0), &square));
        assert!(!point_in_polygon(
            ll(5.0, 5.0),
            &square,
            std::slice::from_ref(&hole)
        ));
        assert!(point_in_polygon(ll(1.0, 5.0), &square, &[hole]));
        assert!(!point_in_ring(ll(0.0, 0.0), &[]));
        let d = distance_to_ring_m(ll(5.0, 5.0), &square);
        assert!((d - 5.0 * 111_195.08 * (5.0f64).to_radians().cos()).abs() < 2_000.0);
        assert_eq!(distance_to_ring_m(ll(0.0, 0.0), &[]), f64::INFINITY);
    }
}
