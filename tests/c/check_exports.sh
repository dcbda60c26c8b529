#!/usr/bin/env bash
# Checks that the C libraries export only aegis_* names (STYLE.md: `nm -g` shows no other names).
#
# cdylib: every defined global symbol must be aegis_*.
# staticlib: a Rust staticlib necessarily carries the Rust standard library and compiler-builtins
# (Rust-mangled symbols and runtime helpers such as __udivti3, rust_eh_personality); so here the
# check covers the objects compiled from Aegis itself (members aegis*.o): each defined global is
# aegis_* or Rust-mangled (_ZN.../_R...), never another C-callable name.
set -euo pipefail
so="$1"
a="$2"
fail=0

bad=$(nm -g --defined-only "$so" | awk 'NF >= 3 { print $3 }' | grep -v '^aegis_' || true)
if [[ -n "$bad" ]]; then
    echo "check_exports: $so exports names other than aegis_*:"; echo "$bad" | head -20; fail=1
fi
n=$(nm -D --defined-only "$so" | awk 'NF >= 3 { print $3 }' | grep -c '^aegis_' || true)
echo "check_exports: $so: $n aegis_* exports, nothing else"

# nm -A prints "archive:member:address type name"; members of Aegis are aegis.* and aegis_core-*.
# Allowed besides aegis_* and mangled names: the two weak markers rustc puts in every object.
bad=$(nm -g --defined-only -A "$a" 2>/dev/null |
    sed -n 's/^[^:]*:\(aegis[^:]*\):[0-9a-f]* [A-Za-z] \(.*\)$/\1 \2/p' |
    awk '$2 !~ /^aegis_/ && $2 !~ /^_ZN/ && $2 !~ /^_R/ &&
         $2 != "__rustc_debug_gdb_scripts_section__" && $2 != "DW.ref.rust_eh_personality"' || true)
checked=$(nm -g --defined-only -A "$a" 2>/dev/null | grep -c '^[^:]*:aegis' || true)
if [[ -n "$bad" ]]; then
    echo "check_exports: Aegis objects in $a define non-aegis_* C names:"; echo "$bad" | head -20; fail=1
else
    echo "check_exports: $a: $checked globals of Aegis objects, only aegis_* and Rust-mangled"
fi
exit $fail
