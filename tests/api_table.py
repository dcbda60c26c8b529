#!/usr/bin/env python3
"""Checks bindings/API.md against the four surfaces: every name in its table exists.

Run by `make test-api-table` (mk/api.mk). Standard library only; nothing is built or imported:

- Rust: `pub` items of aegis-core/src (fn, struct, enum, trait, type, const, static, mod, `pub`
  fields, enum variants, trait methods, `pub use` re-exports). A path such as
  `verify::AttestationKey::from_tpm_public` is looked up in the module's files
  (aegis-core/src/verify/**): each of its type and member segments must be defined there.
- C: identifiers of include/aegis.h (comments stripped): functions, types, constants, fields.
- Python: bindings/python/python/aegis/_aegis.pyi parsed with `ast` (module functions,
  classes, `Class.member` for methods and properties, module constants, keyword parameters),
  plus what aegis/__init__.py assigns (`__version__`).
- Go: bindings/go/*.go except _test.go, by regex: `func Name(`, `func (x *T) Name(` (as
  `T.Name`), `type Name`, const/var blocks, exported struct fields (as `T.Field`).

How a name is written in a cell (the convention this script reads):

- Every backticked item is a name, except one that starts with something other than a letter,
  `_`, `.` or `(*` (a literal such as `"rsassa-sha256"` or `[]byte`), which is skipped. The name
  is the item's first identifier path: `keys::PublicKey::from_spki(b)` is
  `keys::PublicKey::from_spki`; what follows (arguments, types) is prose.
- Members: Rust `Type::member`, C the full function name, Python `Class.member`, Go
  `Type.Member` or `(*Type).Member`. A member written alone with a leading dot (`.name`) belongs
  to the last class/type named before it in the same cell. In Rust, a bare lower-case item after
  a `path::Type::member` item is a sibling member (`keys::PublicKey::from_spki` / `from_spki`).
- Braces list several members or variants: `Outcome::{Passed, Failed}` (Rust),
  `Nonces{Certify, Quote}` (Go fields).
- Python `kw=` is a keyword parameter of a function or method in the stub.
- A surface without the concept: the cell says `n/a: <why this surface does not need it>`.
  A gap is `-`, alone or after a colon (`selection: -`): the test fails on every gap.

Exit status 0 when every name exists and no cell has a gap; 1 otherwise (every problem listed).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "bindings/API.md"
HEADER = ROOT / "include/aegis.h"
PYI = ROOT / "bindings/python/python/aegis/_aegis.pyi"
PY_INIT = ROOT / "bindings/python/python/aegis/__init__.py"
GO_DIR = ROOT / "bindings/go"
RUST_SRC = ROOT / "aegis-core/src"

SURFACES = ("Rust", "C", "Python", "Go")
# Names of the languages themselves that a cell may use (owned results, version).
BUILTINS = {
    "Rust": {"Vec", "String", "Option", "Result", "env"},
    "C": set(),
    "Python": {"bytes", "str", "dict", "int", "list", "None", "True", "False"},
    "Go": {"string", "error", "json"},
}

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


# ---------------------------------------------------------------------------------------------
# Surfaces


def rust_module_of(path: Path) -> tuple[str, ...]:
    rel = path.relative_to(RUST_SRC).with_suffix("")
    parts = list(rel.parts)
    if parts and parts[-1] in ("mod", "lib"):
        parts.pop()
    return tuple(parts)


def rust_items() -> dict[tuple[str, ...], set[str]]:
    """Module path -> the public names defined in that module's file."""
    items: dict[tuple[str, ...], set[str]] = {}
    pub_item = re.compile(
        r"\bpub(?:\([^)]*\))?\s+(?:(?:const|async|unsafe|extern\s+\"C\")\s+)*"
        r"(?:fn|struct|enum|trait|type|const|static|mod)\s+(" + IDENT + ")"
    )
    pub_field = re.compile(r"^\s*pub(?:\([^)]*\))?\s+(" + IDENT + r")\s*:", re.M)
    pub_use = re.compile(r"\bpub\s+use\s+([^;]+);")
    for f in sorted(RUST_SRC.rglob("*.rs")):
        text = f.read_text()
        names = items.setdefault(rust_module_of(f), set())
        names.update(pub_item.findall(text))
        names.update(pub_field.findall(text))
        for use in pub_use.findall(text):
            names.update(re.findall(IDENT, use.split("::")[-1] if "{" not in use else use[use.index("{") :]))
            names.update(re.findall(r"\bas\s+(" + IDENT + ")", use))
        # Variants of public enums and methods of public traits (no `pub` of their own).
        for kind, body in re.findall(r"\bpub\s+(enum|trait)\s+" + IDENT + r"[^{;]*\{(.*?)\n\}", text, re.S):
            if kind == "enum":
                names.update(re.findall(r"^\s{4}(?:#\[[^\]]*\]\s*)*([A-Z]" + r"[A-Za-z0-9_]*)\b", body, re.M))
            else:
                names.update(re.findall(r"^\s{4}fn\s+(" + IDENT + ")", body, re.M))
    return items


def c_names() -> set[str]:
    text = HEADER.read_text()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return set(re.findall(IDENT, text))


def python_names() -> set[str]:
    names: set[str] = set()
    tree = ast.parse(PYI.read_text())

    def params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        a = fn.args
        for arg in a.posonlyargs + a.args + a.kwonlyargs:
            names.add(arg.arg + "=")

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
            params(node)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            for member in node.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names.add(f"{node.name}.{member.name}")
                    params(member)
                elif isinstance(member, ast.AnnAssign) and isinstance(member.target, ast.Name):
                    names.add(f"{node.name}.{member.target.id}")
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    for node in ast.parse(PY_INIT.read_text()).body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def go_names() -> set[str]:
    names: set[str] = set()
    for f in sorted(GO_DIR.glob("*.go")):
        if f.name.endswith("_test.go"):
            continue
        text = f.read_text()
        names.update(re.findall(r"^func\s+(" + IDENT + r")\s*[\[(]", text, re.M))
        for recv, name in re.findall(r"^func\s+\(\s*\w+\s+\*?(\w+)\s*\)\s+(" + IDENT + r")\s*\(", text, re.M):
            names.add(f"{recv}.{name}")
        names.update(re.findall(r"^type\s+(" + IDENT + r")\b", text, re.M))
        names.update(re.findall(r"^(?:const|var)\s+(" + IDENT + r")\b", text, re.M))
        for block in re.findall(r"^(?:const|var)\s+\((.*?)^\)", text, re.M | re.S):
            names.update(re.findall(r"^\t(" + IDENT + r")\b", block, re.M))
        for typ, body in re.findall(r"^type\s+(" + IDENT + r")\s+struct\s*\{(.*?)^\}", text, re.M | re.S):
            for line in body.splitlines():
                m = re.match(r"^\t([A-Z][A-Za-z0-9_]*(?:\s*,\s*[A-Z][A-Za-z0-9_]*)*)\s+\S", line)
                if m:
                    names.update(f"{typ}.{field.strip()}" for field in m.group(1).split(","))
    return {n for n in names if n.split(".")[-1][:1].isupper()}


# ---------------------------------------------------------------------------------------------
# The table


def table_rows(text: str) -> list[tuple[int, list[str]]]:
    rows = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.startswith("|") or re.match(r"^\|\s*-+\s*\|", line):
            continue
        # Split on | outside backticks (a backticked item may hold `a\|b`).
        cells, cur, in_code = [], "", False
        i = 0
        body = line.strip()[1:]
        while i < len(body):
            ch = body[i]
            if ch == "\\" and i + 1 < len(body):
                cur += body[i : i + 2]
                i += 2
                continue
            if ch == "`":
                in_code = not in_code
            if ch == "|" and not in_code:
                cells.append(cur.strip())
                cur = ""
            else:
                cur += ch
            i += 1
        if cells and cells[0] == "concept":
            continue
        rows.append((lineno, cells))
    return rows


ITEM = re.compile(r"`([^`]+)`")


def names_in_cell(surface: str, cell: str) -> list[str]:
    """The names a cell claims, resolved per the convention in the module docstring."""
    out: list[str] = []
    last_type: str | None = None  # Python/Go: the last class or type named
    last_rust_parent: str | None = None
    for raw in ITEM.findall(cell):
        item = raw.replace("\\|", "|").strip()
        m = re.match(r"^\(\*(" + IDENT + r")\)\.(" + IDENT + ")", item)
        if m:  # Go (*T).Method
            last_type = m.group(1)
            out.append(f"{m.group(1)}.{m.group(2)}")
            continue
        sep = "::" if surface == "Rust" else "."
        m = re.match(r"^(\.?" + IDENT + r"(?:" + re.escape(sep) + IDENT + r")*)(" + re.escape(sep) + r")?(\{[^}]*\})?", item)
        if not m:
            continue  # a literal, not a name
        path, braces = m.group(1), m.group(3)
        if surface == "Python" and item[m.end() :].startswith("="):
            out.append(path + "=")  # a keyword parameter
            continue
        if path.startswith("."):
            if last_type is None:
                out.append("?" + path)
                continue
            path = last_type + path
        elif surface == "Rust" and "::" not in path and path[:1].islower() and last_rust_parent:
            path = f"{last_rust_parent}::{path}"
        members = re.findall(IDENT, braces) if braces else []
        if braces and surface == "Go":
            # Go: T{A, B} lists fields; `A: x` forms name the field before the colon.
            members = [f.split(":")[0].strip() for f in braces[1:-1].split(",")]
            members = [f for f in members if re.fullmatch(IDENT, f)]
        if braces:
            out.extend(f"{path}{sep}{mem}" for mem in members)
        else:
            out.append(path)
        segs = path.split(sep)
        if surface == "Rust":
            if len(segs) >= 2 and segs[-2][:1].isupper():
                last_rust_parent = "::".join(segs[:-1])
            elif segs[-1][:1].isupper():
                last_rust_parent = path
        else:
            first = segs[0]
            if first[:1].isupper() and surface in ("Python", "Go"):
                last_type = first
    return out


def rust_exists(path: str, items: dict[tuple[str, ...], set[str]]) -> bool:
    segs = path.split("::")
    module: list[str] = []
    while segs and segs[0][:1].islower() and any(k[: len(module) + 1] == (*module, segs[0]) for k in items):
        module.append(segs.pop(0))
    if not segs:
        return True  # a module
    scope = set().union(*(v for k, v in items.items() if k[: len(module)] == tuple(module)))
    return all(s in scope for s in segs)


# Gaps known and still open (issue 10): reported on every run, never a silent pass. A gap not in
# this list fails the test, and so does an entry here whose cell no longer is a gap (the list only
# shrinks).
KNOWN_GAPS: set[tuple[str, str]] = set()


def gap(cell: str) -> bool:
    outside = ITEM.sub("", cell)
    return cell.strip() == "-" or re.search(r"(^|:)\s*-(\s|$|[;,.])", outside) is not None


def main() -> int:
    rust = rust_items()
    have = {"C": c_names(), "Python": python_names(), "Go": go_names()}
    problems: list[str] = []
    open_gaps: list[str] = []
    rows = table_rows(TABLE.read_text())
    checked = 0
    for lineno, cells in rows:
        if len(cells) != 5:
            problems.append(f"API.md:{lineno}: {len(cells)} cells, want 5 (concept + 4 surfaces)")
            continue
        concept = cells[0]
        for surface, cell in zip(SURFACES, cells[1:]):
            where = f"API.md:{lineno}: {concept!r}, {surface}"
            if cell.lower().startswith("n/a:"):
                if len(cell[4:].strip()) < 10:
                    problems.append(f"{where}: n/a without a reason")
                continue
            is_gap = gap(cell)
            if is_gap and (concept, surface) in KNOWN_GAPS:
                open_gaps.append(f"{where}: {cell}")
            elif is_gap:
                problems.append(f"{where}: gap ('-'): {cell}")
            elif (concept, surface) in KNOWN_GAPS:
                problems.append(f"{where}: listed in KNOWN_GAPS but no longer a gap: remove it there")
            names = names_in_cell(surface, cell)
            if not names and not is_gap:
                problems.append(f"{where}: no backticked name")
            for name in names:
                checked += 1
                if name.startswith("?"):
                    problems.append(f"{where}: `{name[1:]}` has no class/type before it in the cell")
                elif name.split("::")[0].split(".")[0] in BUILTINS[surface]:
                    continue
                elif surface == "Rust":
                    if not rust_exists(name, rust):
                        problems.append(f"{where}: `{name}` is not a pub item of aegis-core/src")
                elif surface == "Python" and name.endswith("="):
                    if name not in have["Python"]:
                        problems.append(f"{where}: no parameter `{name}` in _aegis.pyi")
                elif surface == "C":
                    if name not in have["C"]:
                        problems.append(f"{where}: `{name}` is not in include/aegis.h")
                elif name not in have[surface]:
                    problems.append(f"{where}: `{name}` is not in the {surface} surface")
    for p in problems:
        print(p)
    for g in open_gaps:
        print(f"OPEN GAP (KNOWN_GAPS, issue 10): {g}")
    if problems:
        print(f"api-table: {len(problems)} problem(s) in {len(rows)} rows")
        return 1
    tail = f"; {len(open_gaps)} known gap(s) still open" if open_gaps else ", no gaps"
    print(f"api-table: {len(rows)} rows, {checked} names, every name exists in its surface{tail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
