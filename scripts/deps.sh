#!/usr/bin/env bash
# Install what a build or test needs, or say exactly what is missing.
#   scripts/deps.sh tpm      swtpm, swtpm-tools, tpm2-tools, libtss2-dev (Debian, as root)
#   scripts/deps.sh native   pkg-config, libssl-dev, clang/libclang (bindgen for tss-esapi)
#   scripts/deps.sh redis    redis-server (Debian, as root): aegis-replay-redis's tests start one
#   scripts/deps.sh python   .venv with requirements-dev.txt (PyPI)
#   scripts/deps.sh all      all of the above
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt() {
  local missing=()
  for pkg in "$@"; do
    grep -q "install ok installed" <(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps.sh: installing Debian packages: ${missing[*]}" >&2
    if [ ! -f /tmp/.aegis-apt-updated ]; then
      apt-get update -qq >&2 && touch /tmp/.aegis-apt-updated
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  else
    echo "deps.sh: missing Debian packages: ${missing[*]}" >&2
    echo "deps.sh: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
    exit 3
  fi
}

need_python() {
  command -v python3 >/dev/null 2>&1 || { echo "deps.sh: python3 not found (CPython >= 3.9 needed)" >&2; exit 3; }
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv || { echo "deps.sh: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 3; }
  fi
  local stamp=.venv/.requirements.sha256
  local want
  want=$(sha256sum requirements-dev.txt | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    .venv/bin/python -m pip install -q --upgrade pip >&2
    .venv/bin/python -m pip install -q -r requirements-dev.txt >&2
    echo "$want" > "$stamp"
  fi
}

case "${1:-all}" in
  tpm) need_apt swtpm swtpm-tools tpm2-tools libtss2-dev ;;
  native) need_apt pkg-config libssl-dev clang libclang-dev ;;
  redis) need_apt redis-server ;;
  python) need_apt libtss2-dev pkg-config; need_python ;;
  all) need_apt swtpm swtpm-tools tpm2-tools libtss2-dev pkg-config libssl-dev clang libclang-dev redis-server; need_python ;;
  *) echo "usage: $0 tpm|native|redis|python|all" >&2; exit 2 ;;
esac
