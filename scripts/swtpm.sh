#!/usr/bin/env bash
# Start or stop a manufactured software TPM (swtpm) for tests, vectors and the demo.
#
#   scripts/swtpm.sh start DIR   manufacture a TPM 2.0 in DIR (EK certificates for RSA-2048 and
#                                ECC from a private local CA, PCR banks sha1,sha256,sha384),
#                                start it on a free loopback port, print the TCTI string
#   scripts/swtpm.sh stop DIR    stop it by its pid file
#
# DIR ends up holding: state/ (TPM state), ca/ (the local CA: swtpm-localca-rootca-cert.pem is the
# "manufacturer" root, issuercert.pem the intermediate that signed the EK certificates),
# pid, port, tcti. DIR is made absolute: swtpm --daemon changes directory to / (TESTING.md).
set -euo pipefail

die() { echo "swtpm.sh: $*" >&2; exit 2; }
[ $# -eq 2 ] || die "usage: $0 start|stop DIR"
cmd=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)

# A free port pair (server, control) on loopback. The probes set SO_REUSEADDR as a listening
# server does, so that ports held only by TIME_WAIT connections (left by earlier tests' clients)
# count as free. Candidates alternate between a port the kernel picks and a random one below the
# ephemeral range (a CI run once found no pair among 200 kernel-picked ports); when none is
# found the last bind error goes to stderr.
free_port() {
  python3 - <<'PY'
import random
import socket
import sys

last_error = None

def probe(port):
    global last_error
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        return s.getsockname()[1]
    except OSError as e:
        last_error = e
        return None
    finally:
        s.close()

for attempt in range(400):
    p = probe(0) if attempt % 2 == 0 else probe(random.randrange(20000, 32000))
    if p and p < 65535 and probe(p + 1):
        print(p)
        break
else:
    print(f"last bind error: {last_error}", file=sys.stderr)
PY
}

case "$cmd" in
start)
  for tool in swtpm swtpm_setup swtpm_localca; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found: install the Debian packages swtpm swtpm-tools (scripts/deps.sh tpm does it as root)"
  done
  mkdir -p "$dir/state" "$dir/ca"
  if [ ! -s "$dir/state/tpm2-00.permall" ]; then
    cat > "$dir/ca/localca.conf" <<CONF
statedir = $dir/ca
signingkey = $dir/ca/signkey.pem
issuercert = $dir/ca/issuercert.pem
certserial = $dir/ca/certserial
CONF
    printf -- '--platform-manufacturer Aegis-Test\n--platform-version 2.1\n--platform-model swtpm\n' > "$dir/ca/localca.options"
    cat > "$dir/ca/setup.conf" <<CONF
create_certs_tool = $(command -v swtpm_localca)
create_certs_tool_config = $dir/ca/localca.conf
create_certs_tool_options = $dir/ca/localca.options
active_pcr_banks = sha1,sha256,sha384
CONF
    swtpm_setup --tpm2 --tpmstate "$dir/state" --config "$dir/ca/setup.conf" \
      --create-ek-cert --create-platform-cert --ecc --overwrite >"$dir/setup.log" 2>&1 \
      || { cat "$dir/setup.log" >&2; die "swtpm_setup failed (log above)"; }
  fi
  port=$(free_port)
  [ -n "$port" ] || die "no free port pair on 127.0.0.1"
  swtpm socket --tpmstate dir="$dir/state" --tpm2 \
    --server type=tcp,port="$port",bindaddr=127.0.0.1 --ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
    --flags not-need-init,startup-clear --daemon --pid file="$dir/pid" --log file="$dir/swtpm.log"
  for _ in $(seq 50); do [ -s "$dir/pid" ] && break; sleep 0.1; done
  [ -s "$dir/pid" ] || die "swtpm did not start (see $dir/swtpm.log)"
  echo "$port" > "$dir/port"
  echo "swtpm:host=127.0.0.1,port=$port" > "$dir/tcti"
  cat "$dir/tcti"
  ;;
stop)
  if [ -s "$dir/pid" ]; then
    pid=$(cat "$dir/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$dir/pid"
  fi
  ;;
*) die "usage: $0 start|stop DIR" ;;
esac
