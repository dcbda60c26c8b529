package aegis_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

func TestGeoResolve(t *testing.T) {
	r, err := aegis.GeoResolve(42.4636, 1.9806, 5)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != aegis.ResolutionResolved || r.Country != "ES" || r.Subdivision != "ES-CT" ||
		!r.CountryExclave || r.EnclosingExclaveCountry != "FR" || len(r.Candidates) != 0 {
		t.Fatalf("Llívia: %+v", r)
	}
	r, err = aegis.GeoResolve(46.2044, 6.1432, 10_000)
	if err != nil || r.Status != aegis.ResolutionAmbiguous || !slices.Equal(r.Candidates, []string{"CH", "FR"}) ||
		r.Country != "" {
		t.Fatalf("Geneva ± 10 km: %+v, %v", r, err)
	}
	r, err = aegis.GeoResolve(30, -40, 0)
	if err != nil || r.Status != aegis.ResolutionUnresolved || r.JSON != `{"status":"unresolved"}` {
		t.Fatalf("open sea: %+v, %v", r, err)
	}
	for _, c := range []struct {
		lat, lon, acc float64
		want          error
	}{
		{91, 0, 0, aegis.ErrLatitudeOutOfRange},
		{math.NaN(), 0, 0, aegis.ErrLatitudeOutOfRange},
		{0, -181, 0, aegis.ErrLongitudeOutOfRange},
		{0, 0, -1, aegis.ErrInvalidAccuracy},
		{0, 0, math.Inf(1), aegis.ErrInvalidAccuracy},
	} {
		r, err := aegis.GeoResolve(c.lat, c.lon, c.acc)
		if r != nil || !errors.Is(err, c.want) {
			t.Errorf("(%v, %v, %v): %+v, %v; want %v", c.lat, c.lon, c.acc, r, err, c.want)
		}
	}
}
