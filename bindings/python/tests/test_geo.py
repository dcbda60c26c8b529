"""`geo_resolve`: jurisdictions from coordinates, offline (FORMATS.md, "Jurisdictions")."""

from __future__ import annotations

import json
import math

import pytest

import aegis


def test_a_point_resolves_to_its_country_and_subdivision() -> None:
    r = aegis.geo_resolve(41.39, 2.17)
    assert (r.status, r.country, r.subdivision) == ("resolved", "ES", "ES-CT")
    assert r.candidates == [] and r.subdivision_candidates == []
    assert not r.country_exclave and r.enclosing_exclave_country is None
    assert r == aegis.geo_resolve(41.39, 2.17, 0.0)
    assert "ES-CT" in repr(r)


def test_an_exclave_carries_the_geoar_claims() -> None:
    r = aegis.geo_resolve(42.4636, 1.9806, accuracy_m=5.0)
    assert (r.country, r.country_exclave, r.enclosing_exclave_country) == ("ES", True, "FR")


def test_a_circle_across_a_border_lists_every_candidate() -> None:
    r = aegis.geo_resolve(46.2044, 6.1432, 10_000.0)
    assert r.status == "ambiguous" and r.country is None
    assert r.candidates == ["CH", "FR"]
    assert json.loads(r.to_json()) == {"status": "ambiguous", "candidates": [{"country": "CH"}, {"country": "FR"}]}
    assert aegis.geo_resolve(46.2044, 6.1432, 1.0).country == "CH"


def test_open_sea_is_unresolved() -> None:
    r = aegis.geo_resolve(30.0, -40.0)
    assert r.status == "unresolved" and r.country is None
    assert r.to_json() == '{"status":"unresolved"}'


@pytest.mark.parametrize(
    ("reading", "name"),
    [
        ((90.5, 0.0, 0.0), "LatitudeOutOfRange"),
        ((math.nan, 0.0, 0.0), "LatitudeOutOfRange"),
        ((0.0, -180.5, 0.0), "LongitudeOutOfRange"),
        ((0.0, math.nan, 0.0), "LongitudeOutOfRange"),
        ((0.0, 0.0, -1.0), "InvalidAccuracy"),
        ((0.0, 0.0, math.inf), "InvalidAccuracy"),
    ],
)
def test_bad_readings_raise_geo_error(reading: tuple[float, float, float], name: str) -> None:
    with pytest.raises(aegis.GeoError) as raised:
        aegis.geo_resolve(*reading)
    assert raised.value.name == name
    assert raised.value.code == aegis.ERROR_CODES[name]


def test_a_non_number_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        aegis.geo_resolve("north", 0.0)  # type: ignore[arg-type]
