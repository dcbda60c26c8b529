package aegis

// #include "aegis.h"
import "C"

// ResolutionStatus says what a Resolution found: ResolutionResolved, ResolutionAmbiguous or
// ResolutionUnresolved (the "status" of the resolution JSON).
type ResolutionStatus string

const (
	// ResolutionResolved: the whole circle lies in one country (Country).
	ResolutionResolved ResolutionStatus = "resolved"
	// ResolutionAmbiguous: the circle reaches more than one country (Candidates).
	ResolutionAmbiguous ResolutionStatus = "ambiguous"
	// ResolutionUnresolved: no jurisdiction contains any part of the circle (open sea).
	ResolutionUnresolved ResolutionStatus = "unresolved"
)

// Resolution is the jurisdiction(s) of a reading, from GeoResolve (FORMATS.md, "Jurisdictions";
// the C aegis_resolution). A plain value: nothing to close.
type Resolution struct {
	// Status: resolved, ambiguous or unresolved.
	Status ResolutionStatus
	// Country: a resolved reading's ISO 3166-1 alpha-2 code ("ES"); "" otherwise.
	Country string
	// Subdivision: its ISO 3166-2 subdivision of Country ("ES-CT") when the whole circle lies in
	// one; "" when the data has none there or the circle spans several.
	Subdivision string
	// SubdivisionCandidates: the subdivisions of Country a resolved circle spans, sorted.
	SubdivisionCandidates []string
	// Candidates: the countries an ambiguous circle reaches, sorted.
	Candidates []string
	// CountryExclave: geoAR jurisdiction-country-exclave, the centre lies in an exclave of
	// Country (Llívia, Büsingen, Kaliningrad, ...).
	CountryExclave bool
	// EnclosingExclaveCountry: geoAR enclosing-exclave-country, the one country around that
	// exclave ("FR" for Llívia); "" when there is none.
	EnclosingExclaveCountry string
	// JSON: the resolution as the JSON object `aegis geo resolve` prints (compact).
	JSON string
}

// GeoResolve resolves a reading, the circle of accuracyM metres around (lat, lon) in WGS 84
// degrees, to its jurisdiction(s) from the embedded boundary data (OpenStreetMap-derived, ODbL;
// decoded on the first call). Errors: ErrLatitudeOutOfRange (outside -90..90 or NaN),
// ErrLongitudeOutOfRange (outside -180..180 or NaN), ErrInvalidAccuracy (negative, infinite or
// NaN).
func GeoResolve(lat, lon, accuracyM float64) (*Resolution, error) {
	var r *C.aegis_resolution
	var cerr *C.aegis_error
	status := C.aegis_geo_resolve(C.double(lat), C.double(lon), C.double(accuracyM), &r, &cerr)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	defer C.aegis_resolution_free(r)
	out := &Resolution{
		Country:                 C.GoString(C.aegis_resolution_country(r)),
		Subdivision:             C.GoString(C.aegis_resolution_subdivision(r)),
		CountryExclave:          bool(C.aegis_resolution_country_exclave(r)),
		EnclosingExclaveCountry: C.GoString(C.aegis_resolution_enclosing_exclave_country(r)),
		JSON:                    C.GoString(C.aegis_resolution_json(r)),
	}
	switch C.aegis_resolution_status(r) {
	case C.AEGIS_RESOLUTION_RESOLVED:
		out.Status = ResolutionResolved
	case C.AEGIS_RESOLUTION_AMBIGUOUS:
		out.Status = ResolutionAmbiguous
	default:
		out.Status = ResolutionUnresolved
	}
	for i := C.size_t(0); i < C.aegis_resolution_subdivision_candidate_count(r); i++ {
		out.SubdivisionCandidates = append(out.SubdivisionCandidates,
			C.GoString(C.aegis_resolution_subdivision_candidate_at(r, i)))
	}
	for i := C.size_t(0); i < C.aegis_resolution_candidate_count(r); i++ {
		out.Candidates = append(out.Candidates, C.GoString(C.aegis_resolution_candidate_at(r, i)))
	}
	return out, nil
}
