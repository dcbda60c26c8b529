#!/usr/bin/env bash
# Build (once) the SPIRE binaries that `make e2e-spire` runs, pinned at one version.
#
#   scripts/spire.sh bins   print the directory holding spire-server and spire-agent, building
#                           them first when missing or of another version (exit 0)
#   scripts/spire.sh dir    print that directory without building (exit 0 if both are there)
#   scripts/spire.sh start  when the binaries are missing, build them in the background (niced,
#                           log in the cache folder) and return at once; `make test` does this
#                           first so that the build overlaps the suites before e2e-spire, whose
#                           `bins` then waits for it (one build at a time: a lock in the cache)
#
# The binaries live outside the checkout, in the user's cache folder keyed by version:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/aegis/spire/v$SPIRE_VERSION/
# so a fresh clone on the same machine reuses them. Nothing here deletes them.
#
# How (issue 13): the Go module proxy serves no version list here, so `go install ...@v1.13.3`
# is refused; inside a scratch module, `go get -tool` pins both commands at the version, then
# `go install` builds them into the cache (about 6 minutes warm, 11 cold on 2 cores). Needs Go
# >= 1.25.3 (SPIRE v1.13.3's go.mod). Exit 3 when SPIRE cannot be built here (no Go, Go too old,
# the proxy refuses): callers skip loudly on 3.
set -euo pipefail

SPIRE_VERSION=${SPIRE_VERSION:-1.13.3}
GO=${GO:-go}
GO_MIN=1.25.3
cache=${XDG_CACHE_HOME:-$HOME/.cache}/aegis/spire/v$SPIRE_VERSION

say() { echo "spire.sh: $*" >&2; }

# Both binaries present and reporting the pinned version (`--version` prints e.g.
# "1.13.3-dev-unk" on stderr for a `go install` build).
have_bins() {
  local b v
  for b in spire-server spire-agent; do
    [ -x "$cache/$b" ] || return 1
    v=$("$cache/$b" --version 2>&1 | head -n1) || return 1
    case "$v" in "$SPIRE_VERSION" | "$SPIRE_VERSION"-*) ;; *) say "$cache/$b is version '$v', not $SPIRE_VERSION"; return 1 ;; esac
  done
}

# "go1.25.3" >= GO_MIN (numeric, field by field).
go_new_enough() {
  local have
  have=$("$GO" env GOVERSION 2>/dev/null) || return 1
  have=${have#go}
  have=${have%%[-+ ]*}
  [ "$(printf '%s\n%s\n' "$GO_MIN" "$have" | sort -V | head -n1)" = "$GO_MIN" ]
}

build() {
  command -v "$GO" >/dev/null 2>&1 || { say "'$GO' not found: SPIRE v$SPIRE_VERSION needs Go >= $GO_MIN (https://go.dev/dl/)"; exit 3; }
  go_new_enough || { say "SPIRE v$SPIRE_VERSION needs Go >= $GO_MIN; '$GO' is $("$GO" env GOVERSION 2>/dev/null || echo unknown)"; exit 3; }
  mkdir -p "$cache"
  # One build at a time: a second caller waits here, then finds the binaries the first built.
  exec 9>"$cache/.build.lock"
  if ! flock -n 9; then
    say "waiting for the SPIRE build already running (log: $cache/build.log)"
    flock 9
  fi
  have_bins 2>/dev/null && return 0
  local work
  work=$(mktemp -d "${TMPDIR:-/tmp}/aegis-spire-build.XXXXXX")
  # shellcheck disable=SC2064 # expand now: $work is local
  trap "rm -rf '$work'" EXIT
  say "building spire-server and spire-agent v$SPIRE_VERSION into $cache (several minutes)"
  (
    cd "$work"
    renice -n 10 $BASHPID >/dev/null 2>&1 || true
    export GOFLAGS=-mod=mod GOTOOLCHAIN=local
    "$GO" mod init aegis-spire-build >/dev/null 2>&1
    for cmd in spire-server spire-agent; do
      "$GO" get -tool "github.com/spiffe/spire/cmd/$cmd@v$SPIRE_VERSION"
    done
    # Into a staging directory first: a build stopped half-way leaves no partial binary behind.
    mkdir -p "$work/bin"
    GOBIN="$work/bin" "$GO" install github.com/spiffe/spire/cmd/spire-server github.com/spiffe/spire/cmd/spire-agent
  ) || { say "building SPIRE v$SPIRE_VERSION failed (output above)"; exit 3; }
  for b in spire-server spire-agent; do
    install -m 755 "$work/bin/$b" "$cache/$b.new" && mv -f "$cache/$b.new" "$cache/$b"
  done
  have_bins || { say "the built binaries do not report version $SPIRE_VERSION"; exit 3; }
}

case "${1:-}" in
bins)
  have_bins || build
  echo "$cache"
  ;;
dir)
  echo "$cache"
  have_bins
  ;;
start)
  have_bins 2>/dev/null && exit 0
  mkdir -p "$cache"
  # Detached (its own session): it outlives the caller and finishes filling the cache even if
  # the suites before e2e-spire fail.
  setsid "$0" bins >"$cache/build.log" 2>&1 </dev/null &
  say "building SPIRE v$SPIRE_VERSION in the background (pid $!, log: $cache/build.log)"
  ;;
*) say "usage: $0 bins|dir|start"; exit 2 ;;
esac
