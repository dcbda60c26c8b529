#!/usr/bin/env bash
# make test-install (mk/install.mk): Aegis installed the way C libraries are, then used the way
# users use it, from outside this repository.
#
#   1. `make install PREFIX=<tmp>/prefix`: the files, the links, the SONAME, aegis.pc's version;
#      `make install DESTDIR=<tmp>/stage PREFIX=/opt/aegis`: files under the stage, .pc naming
#      /opt/aegis.
#   2. examples/verify_quote.c built with `pkg-config --cflags --libs aegis` (libaegis.so.0,
#      NEEDED by the program), with `pkg-config --cflags --libs aegis-static` (libaegis.a), and
#      with `pkg-config --static --cflags --libs aegis` on a prefix holding only libaegis.a; each
#      verifies the manifest's quote-rsa2048-rsassa-sha256 (exit 0) and refuses a bad PCR list
#      (exit 2).
#   3. bindings/go copied to a temporary directory, a fresh module requiring it through a replace
#      directive, `go mod vendor`, then a Go program built offline (GOPROXY=off, -mod=vendor) with
#      PKG_CONFIG_PATH only, run with LD_LIBRARY_PATH only, verifying the same vector with the
#      manifest's nonce and policy; and `CGO_ENABLED=0 go build` failing with nocgo.go's message.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
VECTOR=quote-rsa2048-rsassa-sha256
MAKE=${MAKE:-make}
GO=${GO:-go}
CC=${CC:-cc}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/aegis-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
case "$tmp/" in "$ROOT"/*) echo "test-install: TMPDIR must be outside the repository"; exit 2 ;; esac

fail() { echo "test-install: FAILED: $*" >&2; exit 1; }
step() { echo "== test-install: $*"; }

version=$(cargo pkgid -p aegis-ffi --offline | sed 's/.*[#@]//')
core=${version%%[-+]*}
major=${core%%.*}

# The manifest's inputs for the vector: the nonce, the required PCRs as BANK:I,J,... and the
# expected signer.
read -r nonce pcr_spec signer < <(python3 - "$VECTOR" <<'EOF'
import json, sys
v = next(x for x in json.load(open("testdata/manifest.json"))["vectors"] if x["id"] == sys.argv[1])
p = v["policy"]
assert v["expect"]["verdict"] == "valid" and not p.get("allow_sha1")
(bank, idx), = p["require_pcrs"].items()
print(v["nonce"], f"{bank}:{','.join(map(str, idx))}", p.get("expected_signer", ""))
EOF
)
vdir="$ROOT/testdata/$VECTOR"
vq_args=("$vdir/ak.pub" "$vdir/quote.attest" "$vdir/quote.sig" "$vdir/pcrs.bin" "$nonce" "$pcr_spec")

step "make install PREFIX=$tmp/prefix"
prefix="$tmp/prefix"
$MAKE --no-print-directory -s install PREFIX="$prefix" DESTDIR= >/dev/null
lib="$prefix/lib"
for f in lib/libaegis.a "lib/libaegis.so.$core" include/aegis.h lib/pkgconfig/aegis.pc lib/pkgconfig/aegis-static.pc; do
  [ -f "$prefix/$f" ] && [ ! -L "$prefix/$f" ] || fail "$f is not installed as a file"
done
[ "$(readlink "$lib/libaegis.so.$major")" = "libaegis.so.$core" ] || fail "libaegis.so.$major -> libaegis.so.$core"
[ "$(readlink "$lib/libaegis.so")" = "libaegis.so.$major" ] || fail "libaegis.so -> libaegis.so.$major"
soname=$(readelf -d "$lib/libaegis.so.$core" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libaegis.so.$major" ] || fail "SONAME is '$soname', not libaegis.so.$major"
echo "SONAME $soname; files and links in place"
grep -q "#define AEGIS_VERSION_STRING \"$version\"" "$prefix/include/aegis.h" || fail "aegis.h's AEGIS_VERSION_STRING is not $version"

step "make install DESTDIR=$tmp/stage PREFIX=/opt/aegis"
$MAKE --no-print-directory -s install PREFIX=/opt/aegis DESTDIR="$tmp/stage" >/dev/null
[ -f "$tmp/stage/opt/aegis/lib/libaegis.so.$core" ] && [ -f "$tmp/stage/opt/aegis/include/aegis.h" ] \
  || fail "DESTDIR not respected"
grep -qx 'prefix=/opt/aegis' "$tmp/stage/opt/aegis/lib/pkgconfig/aegis.pc" || fail "aegis.pc under DESTDIR names the stage"

export PKG_CONFIG_PATH="$lib/pkgconfig"
[ "$(pkg-config --modversion aegis)" = "$version" ] || fail "pkg-config --modversion aegis is not $version"
static_libs=$(pkg-config --static --libs aegis)
for l in -laegis -lssl -lcrypto -lpthread -ldl -lm; do
  case " $static_libs " in *" $l "*) ;; *) fail "pkg-config --static --libs aegis lacks $l: $static_libs" ;; esac
done

# run NAME BINARY [env...]: verifies the vector (exit 0) and refuses a bad PCR list (exit 2).
run_example() {
  local name=$1 bin=$2; shift 2
  env "$@" "$bin" "${vq_args[@]}" > "$tmp/$name.out" || fail "$name: exit $? on a valid quote: $(cat "$tmp/$name.out")"
  grep -q '^quote verified' "$tmp/$name.out" || fail "$name: no 'quote verified'"
  grep -q "^aegis $version (header $version)" "$tmp/$name.out" || fail "$name: version line: $(head -1 "$tmp/$name.out")"
  local rc=0
  env "$@" "$bin" "${vq_args[@]:0:5}" sha256:0,x >/dev/null 2>&1 || rc=$?
  [ "$rc" = 2 ] || fail "$name: a bad PCR list exits $rc, not 2"
  echo "$name: verified $VECTOR, bad argument exits 2"
}
cflags=(-std=c99 -Wall -Wextra -Wpedantic -Werror)

step "examples/verify_quote.c: cc \$(pkg-config --cflags --libs aegis) (shared)"
# shellcheck disable=SC2046
$CC "${cflags[@]}" examples/verify_quote.c $(pkg-config --cflags --libs aegis) -o "$tmp/vq-shared"
grep -q "NEEDED.*\[libaegis.so.$major\]" <(readelf -d "$tmp/vq-shared") || fail "vq-shared does not need libaegis.so.$major"
run_example vq-shared "$tmp/vq-shared" LD_LIBRARY_PATH="$lib"

step "examples/verify_quote.c: cc \$(pkg-config --cflags --libs aegis-static) (libaegis.a)"
# shellcheck disable=SC2046
$CC "${cflags[@]}" examples/verify_quote.c $(pkg-config --cflags --libs aegis-static) -o "$tmp/vq-static"
! grep -q 'NEEDED.*libaegis' <(readelf -d "$tmp/vq-static") || fail "vq-static needs libaegis.so"
run_example vq-static "$tmp/vq-static"

step "examples/verify_quote.c: cc \$(pkg-config --static --cflags --libs aegis), prefix with libaegis.a only"
sprefix="$tmp/static-only"
mkdir -p "$sprefix/lib/pkgconfig"
cp -r "$prefix/include" "$sprefix/"
cp "$lib/libaegis.a" "$sprefix/lib/"
sed "s|^prefix=.*|prefix=$sprefix|" "$lib/pkgconfig/aegis.pc" > "$sprefix/lib/pkgconfig/aegis.pc"
# shellcheck disable=SC2046
$CC "${cflags[@]}" examples/verify_quote.c \
  $(PKG_CONFIG_PATH="$sprefix/lib/pkgconfig" pkg-config --static --cflags --libs aegis) -o "$tmp/vq-static2"
! grep -q 'NEEDED.*libaegis' <(readelf -d "$tmp/vq-static2") || fail "vq-static2 needs libaegis.so"
run_example vq-static2 "$tmp/vq-static2"

step "Go: bindings/go copied outside the repository, go mod vendor, build with pkg-config only"
command -v "$GO" >/dev/null || fail "'$GO' not found: install Go 1.23 or newer"
mkdir -p "$tmp/aegis-go" "$tmp/app"
cp -r bindings/go/. "$tmp/aegis-go/"
! grep -rn 'SRCDIR' "$tmp/aegis-go" --include='*.go' || fail "the copied binding refers to \${SRCDIR}"
cat > "$tmp/app/go.mod" <<'EOF'
module example.com/aegis-install-check

go 1.23

require github.com/aegis-attest/aegis/bindings/go v0.0.0

replace github.com/aegis-attest/aegis/bindings/go => ../aegis-go
EOF
cat > "$tmp/app/main.go" <<'EOF'
// Verifies one quote vector: main DIR NONCE_HEX EXPECTED_SIGNER_HEX BANK:I,J,...
package main

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

func main() {
	if err := run(os.Args[1], os.Args[2], os.Args[3], os.Args[4]); err != nil {
		fmt.Fprintln(os.Stderr, "refused:", err)
		os.Exit(1)
	}
}

func run(dir, nonceHex, signerHex, spec string) error {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		return b
	}
	nonce, err := hex.DecodeString(nonceHex)
	if err != nil {
		return err
	}
	policy := aegis.NewQuotePolicy()
	defer policy.Close()
	bankName, list, _ := strings.Cut(spec, ":")
	bank, ok := aegis.ParseHashAlg(bankName)
	if !ok {
		return fmt.Errorf("unknown bank %q", bankName)
	}
	for _, s := range strings.Split(list, ",") {
		i, err := strconv.ParseUint(s, 10, 8)
		if err != nil {
			return err
		}
		if err := policy.RequirePCR(bank, uint8(i)); err != nil {
			return err
		}
	}
	if signerHex != "" {
		signer, err := hex.DecodeString(signerHex)
		if err != nil {
			return err
		}
		if err := policy.SetExpectedSigner(signer); err != nil {
			return err
		}
	}
	ak, err := aegis.AttestationKeyFromTPMPublic(read("ak.pub"))
	if err != nil {
		return err
	}
	defer ak.Close()
	pcrs, err := aegis.ParsePCRs(read("pcrs.bin"))
	if err != nil {
		return err
	}
	defer pcrs.Close()
	vq, err := aegis.VerifyQuote(ak, read("quote.attest"), read("quote.sig"), pcrs, nonce, policy)
	if err != nil {
		return err
	}
	pcr15, _ := vq.PCR(aegis.SHA256, 15)
	fmt.Printf("aegis %s: quote verified, %d PCRs, sha256:15 = %x\n", aegis.Version(), len(vq.PCRs()), pcr15)
	return nil
}
EOF
(
  cd "$tmp/app"
  export GOFLAGS= GOPROXY=off GOTOOLCHAIN=local GOWORK=off
  "$GO" mod vendor
  [ -f vendor/github.com/aegis-attest/aegis/bindings/go/cgo.go ] || fail "go mod vendor did not vendor the binding"
  CGO_ENABLED=1 "$GO" build -mod=vendor -o aegis-check .
  grep -q "NEEDED.*\[libaegis.so.$major\]" <(readelf -d aegis-check) || fail "the Go program does not need libaegis.so.$major"
  LD_LIBRARY_PATH="$lib" ./aegis-check "$vdir" "$nonce" "$signer" "$pcr_spec" | tee "$tmp/go.out"
  grep -q "^aegis $version: quote verified" "$tmp/go.out" || fail "the Go program did not verify $VECTOR"
  rc=0
  LD_LIBRARY_PATH="$lib" ./aegis-check "$vdir" "00$nonce" "$signer" "$pcr_spec" >/dev/null 2>&1 || rc=$?
  [ "$rc" = 1 ] || fail "the Go program accepted a wrong nonce (exit $rc)"

  step "Go: CGO_ENABLED=0 go build fails with a clear message"
  rc=0
  CGO_ENABLED=0 "$GO" build -mod=vendor -o aegis-nocgo . > "$tmp/nocgo.log" 2>&1 || rc=$?
  cat "$tmp/nocgo.log"
  [ "$rc" != 0 ] || fail "CGO_ENABLED=0 go build succeeded"
  grep -q 'undefined: aegis_requires_cgo_and_libaegis_found_by_pkg_config_aegis_see_README' "$tmp/nocgo.log" \
    || fail "CGO_ENABLED=0 go build failed without nocgo.go's message"
)
echo "test-install: all install checks passed"
