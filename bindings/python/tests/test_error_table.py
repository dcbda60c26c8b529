"""The exceptions against the one error table: the `error_table!` invocation of
aegis-core/src/error.rs, read here by the generator that writes the bindings' tables
(scripts/gen_errors.py). One class per group of codes; every code maps to its group's class."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

import aegis
import aegis._aegis
from conftest import ROOT


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_errors", ROOT / "scripts" / "gen_errors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_errors"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def error_class(code: int) -> type[aegis.AegisError]:
    """The class the native module's one mapping (errors.rs `group_of`) gives a code (private
    `_error_class`, not in the stubs)."""
    cls = getattr(aegis._aegis, "_error_class")(code)
    assert isinstance(cls, type) and issubclass(cls, aegis.AegisError)
    return cls


GEN = load_generator()
SOURCE = (ROOT / GEN.SOURCE).read_text()
TABLE = GEN.parse(SOURCE)


def test_error_codes_are_the_core_table() -> None:
    assert aegis.ERROR_CODES == {c.name: c.code for c in TABLE.codes if not c.boundary_only}
    assert len(aegis.ERROR_CODES) == len(set(aegis.ERROR_CODES.values())), "codes are never reused"
    boundary = {c.code for c in TABLE.codes if c.boundary_only}
    assert boundary == {1003, 1004, 1005}
    assert not boundary & set(aegis.ERROR_CODES.values())


def test_every_group_has_its_class() -> None:
    assert TABLE.groups, "no groups parsed"
    for group in TABLE.groups:
        cls = getattr(aegis, group.py_class)
        assert cls is not aegis.AegisError and issubclass(cls, aegis.AegisError), group
        assert issubclass(cls, Exception)
        assert group.py_class in aegis.__all__
        assert f"{group.first}-{group.last}" in (cls.__doc__ or "")
    assert not issubclass(aegis.AegisError, ValueError)


def test_every_code_maps_to_the_class_of_its_range() -> None:
    for name, code in aegis.ERROR_CODES.items():
        group = TABLE.group_of(code)
        assert group is not None, f"{name} ({code}) is in no group"
        assert group.first <= code <= group.last
        assert error_class(code) is getattr(aegis, group.py_class), name
    for code, cls in [(1006, aegis.UsageError), (3006, aegis.SignatureError), (4006, aegis.AttestationError),
                      (4007, aegis.AttestationError), (5005, aegis.PcrError), (6005, aegis.KeyPolicyError),
                      (6006, aegis.KeyPolicyError), (7005, aegis.EkError)]:
        assert error_class(code) is cls, code
    assert error_class(0) is aegis.AegisError
    assert error_class(999_999) is aegis.AegisError


def test_the_generator_refuses_a_code_without_a_group() -> None:
    assert "9000 Backend;" in SOURCE
    with pytest.raises(GEN.TableError, match=r"Backend \(9000\) is in no group"):
        GEN.parse(SOURCE.replace("9000 Backend;", ""))


def test_a_new_range_gets_its_class() -> None:
    last = "13000 Svid;"
    assert last in SOURCE
    source = SOURCE.replace(last, last + "\n/// Appraisal.\n14000 Appraisal;")
    table = GEN.parse(source)
    assert table.group_of(14_500).py_class == "AppraisalError"
    native = GEN.render_python_rs(table)
    assert '        range: 14,\n        name: "AppraisalError",\n' in native
    assert "also: None" in native.split('"AppraisalError"')[1]
    stub = GEN.python_stub_classes(table)
    assert "class AppraisalError(AegisError):" in stub
    assert "class UsageError(AegisError, ValueError):" in stub
