#!/usr/bin/env bash
# SPIRE end to end with real servers (`make e2e-spire`, issue 13 item 3):
#   swtpm -> spire-server (server NodeAttestor "aegis", examples/spire-nodeattestor)
#         -> spire-agent  (agent NodeAttestor "aegis", this directory, TPM work through the
#                          Aegis C ABI on the swtpm)
#   -> the agent attests; its SPIFFE ID and selectors are checked on the server;
#   -> a workload entry (unix:uid) is registered under the agent; e2e-fetch-svid fetches its
#      X.509-SVID through the Workload API with go-spiffe and verifies it against the bundle;
#   -> the agent re-attests when its short-lived SVID (agent_ttl) rotates, with the same ID.
# With the appraisal mode (issue 13 item 3): the agent enrols its AK under its EK (swtpm CA),
# binds a GNSS reading (Geneva) into PCR 15; the server appraises the evidence bundle against the
# demo geofence, signs the EAR and keeps it; the CredentialComposer "aegis" puts AttestedClaims and
# CMW(EAR) into the workload's SVID; `aegis svid inspect` sees them, `aegis gateway check` allows
# the chain; the workload signs a DPoG proof with the TPM App Key (`aegis token dpog --tpm`) that
# a gateway accepts (`aegis token verify`, Redis replay cache) once, refusing the replay and a proof
# by another TPM's key. Negative runs: the agent's reading moves outside the geofence: its
# re-attestation gives a non-affirming result and the gateway denies a new workload's SVID; a TPM
# reset (CMD_INIT + TPM2_Startup): the agent starts a new location log and attests affirming again.
# Everything runs on loopback on free ports, in a temporary directory; the processes are stopped
# by pid on exit; their logs are printed on failure. A JSON summary (timings in ms) goes to
# stdout's last line and to $E2E_OUT when set; with E2E_LOGS=DIR the logs and configurations are
# copied there.
#
#   e2e.sh SPIRE_BIN_DIR BUILD_DIR
# BUILD_DIR holds aegis-nodeattestor, aegis-credentialcomposer, aegis-agent-nodeattestor,
# e2e-fetch-svid and aegis (the CLI built with the tss feature).
set -euo pipefail

bins=$1
build=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
td=example.org
workload_id=spiffe://$td/e2e/workload

ms() { date +%s%3N; }
say() { echo "e2e-spire: $*" >&2; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/aegis-e2e-spire.XXXXXX")
pids=()
ok=0
cleanup() {
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  "$root/scripts/swtpm.sh" stop "$dir/tpm" >/dev/null 2>&1 || true
  "$root/scripts/swtpm.sh" stop "$dir/tpm2" >/dev/null 2>&1 || true
  if [ "$ok" != 1 ]; then
    for log in "$dir"/server.log "$dir"/agent.log "$dir"/tpm/swtpm.log; do
      [ -f "$log" ] && { echo "===== $log (last 80 lines)" >&2; tail -n 80 "$log" >&2; }
    done
  fi
  if [ -n "${E2E_LOGS:-}" ]; then mkdir -p "$E2E_LOGS" && cp -f "$dir"/*.log "$dir"/*.conf "$E2E_LOGS"/ 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_for WHAT TIMEOUT_S CMD...: runs CMD every 0.1 s until it succeeds.
wait_for() {
  local what=$1 timeout=$2
  shift 2
  local end=$(($(date +%s) + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$end" ]; then say "timed out after ${timeout}s waiting for $what"; return 1; fi
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || { say "a process died while waiting for $what"; return 1; }; done
    sleep 0.1
  done
}

tcti=$("$root/scripts/swtpm.sh" start "$dir/tpm")
say "swtpm: $tcti"
aegis=$build/aegis

# The verifier's EAR key, the reading the agent's GNSS "sensor" writes, the gateway's policy.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ear.key" 2>/dev/null
openssl pkey -in "$dir/ear.key" -pubout -out "$dir/ear.pub"
reading() { # LAT LON
  printf '{"sensor_type":"gnss","sensor_id":"e2e-gnss-0","latitude":%s,"longitude":%s,"accuracy_m":10.0,"time":%s,"quality":"3d-fix"}' \
    "$1" "$2" "$(date +%s)" >"$dir/reading.json.tmp" && mv "$dir/reading.json.tmp" "$dir/reading.json"
}
reading 46.2044 6.1432 # Geneva, inside the demo geofence
cat >"$dir/gateway.json" <<'JSON'
{"version": 1, "sensor_types": ["gnss"], "countries": ["CH"], "max_ear_age_s": 3600, "require_affirming": true}
JSON
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" >"$dir/redis.log" 2>&1 &
pids+=($!)

server_port=$(free_port)
server_sock=$dir/server/api.sock
agent_sock=$dir/agent/public/api.sock
mkdir -p "$dir/server" "$dir/agent/public"
cat > "$dir/server.conf" <<CONF
server {
  bind_address = "127.0.0.1"
  bind_port = "$server_port"
  socket_path = "$server_sock"
  trust_domain = "$td"
  data_dir = "$dir/server/data"
  log_level = "DEBUG"
  default_x509_svid_ttl = "1h"
  # Short agent SVIDs: the agent re-attests (can_reattest) at half-life, within the run.
  agent_ttl = "${E2E_AGENT_TTL:-20s}"
  experimental {
    # How often the server reloads its entry cache (default 5 s): bounds entry_to_svid_ms too.
    cache_reload_interval = "${E2E_SYNC_INTERVAL:-500ms}"
  }
}
plugins {
  DataStore "sql" {
    plugin_data {
      database_type = "sqlite3"
      connection_string = "$dir/server/datastore.sqlite3"
    }
  }
  KeyManager "memory" {
    plugin_data {}
  }
  NodeAttestor "aegis" {
    plugin_cmd = "$build/aegis-nodeattestor"
    plugin_data {
      pcrs = ["sha256:15"]
      ek_ca_roots = ["$dir/tpm/ca/swtpm-localca-rootca-cert.pem"]
      ek_ca_intermediates = ["$dir/tpm/ca/issuercert.pem"]
      ear_signing_key = "$dir/ear.key"
      ear_ttl = "1h"
      result_store_dir = "$dir/server/results"
      geofence_policy = "$root/examples/policies/demo-geofence.json"
    }
  }
  CredentialComposer "aegis" {
    plugin_cmd = "$build/aegis-credentialcomposer"
    plugin_data {
      store_dir = "$dir/server/results"
      ear_public_key = <<PEM
$(cat "$dir/ear.pub")
PEM
      server_socket_path = "$server_sock"
      agent_ttl = "${E2E_AGENT_TTL:-20s}"
      default_x509_svid_ttl = "1h"
    }
  }
}
CONF
cat > "$dir/agent.conf" <<CONF
agent {
  data_dir = "$dir/agent/data"
  log_level = "DEBUG"
  server_address = "127.0.0.1"
  server_port = "$server_port"
  socket_path = "$agent_sock"
  trust_bundle_path = "$dir/bundle.pem"
  trust_domain = "$td"
  experimental {
    # How often the agent asks the server for new entries (default 5 s): bounds entry_to_svid_ms.
    sync_interval = "${E2E_SYNC_INTERVAL:-500ms}"
  }
}
plugins {
  NodeAttestor "aegis" {
    plugin_cmd = "$build/aegis-agent-nodeattestor"
    plugin_data {
      tcti = "$tcti"
      ek = "rsa2048"
      # The demo geofence has reference values for PCRs 0-7; 15 is the location PCR.
      pcrs = ["sha256:0", "sha256:1", "sha256:2", "sha256:3", "sha256:4", "sha256:5", "sha256:6", "sha256:7", "sha256:15"]
      ak_handle = "0x81010002"
      app_key_handle = "0x81010003"
      location_file = "$dir/reading.json"
      location_log = "$dir/agent/location.log"
    }
  }
  KeyManager "memory" {
    plugin_data {}
  }
  WorkloadAttestor "unix" {
    plugin_data {}
  }
}
CONF

t0=$(ms)
"$bins/spire-server" run -config "$dir/server.conf" >"$dir/server.log" 2>&1 &
pids+=($!)
wait_for "spire-server" 60 "$bins/spire-server" healthcheck -socketPath "$server_sock"
t_server=$(($(ms) - t0))
say "spire-server up in ${t_server} ms (127.0.0.1:$server_port)"
"$bins/spire-server" bundle show -socketPath "$server_sock" >"$dir/bundle.pem"

t0=$(ms)
"$bins/spire-agent" run -config "$dir/agent.conf" >"$dir/agent.log" 2>&1 &
pids+=($!)
wait_for "spire-agent to attest" 60 "$bins/spire-agent" healthcheck -socketPath "$agent_sock"
t_agent=$(($(ms) - t0))
say "spire-agent attested and healthy in ${t_agent} ms"

# The agent as the server sees it: SPIFFE ID from the AK Name, selectors from the TPM.
"$bins/spire-server" agent list -socketPath "$server_sock" -output json >"$dir/agents.json"
agent_id=$(python3 - "$dir/agents.json" <<'PY'
import json, sys
agents = json.load(open(sys.argv[1]))["agents"]
assert len(agents) == 1, f"expected one agent, got {len(agents)}"
a = agents[0]
sid = a["id"]
print(f"spiffe://{sid['trust_domain']}{sid['path']}")
PY
)
"$bins/spire-server" agent show -socketPath "$server_sock" -spiffeID "$agent_id" -output json >"$dir/agent.json"
python3 - "$dir/agent.json" "$agent_id" "$td" <<'PY'
import json, re, sys
doc = json.load(open(sys.argv[1]))
agent = doc.get("agent", doc)
agent_id, td = sys.argv[2], sys.argv[3]
m = re.fullmatch(rf"spiffe://{re.escape(td)}/spire/agent/aegis/(000b[0-9a-f]{{64}})", agent_id)
assert m, f"agent ID {agent_id} is not spiffe://{td}/spire/agent/aegis/<AK Name>"
assert agent.get("attestation_type") == "aegis", agent.get("attestation_type")
sel = {f"{s['type']}:{s['value']}" for s in agent.get("selectors", [])}
need = [f"aegis:ak_name:{m.group(1)}", "aegis:ear_status:affirming", "aegis:location:affirming", "aegis:country:CH"]
assert all(n in sel for n in need), f"selectors {sorted(sel)} lack {need}"
assert any(s.startswith("aegis:app_key_name:000b") for s in sel), sorted(sel)
assert any(s.startswith("aegis:ek_name:000b") for s in sel), sorted(sel)
assert any(re.fullmatch(r"aegis:pcr:sha256:15:[0-9a-f]{64}", s) for s in sel), sorted(sel)
print(f"e2e-spire: agent {agent_id}: selectors {sorted(sel)}", file=sys.stderr)
PY

t0=$(ms)
"$bins/spire-server" entry create -socketPath "$server_sock" -parentID "$agent_id" \
  -spiffeID "$workload_id" -selector "unix:uid:$(id -u)" -x509SVIDTTL 300 >"$dir/entry.txt"
t_entry=$(($(ms) - t0))
fetched=$("$build/e2e-fetch-svid" -socket "unix://$agent_sock" -id "$workload_id" -timeout 60s \
  -out "$dir/workload.pem" -bundle-out "$dir/td-bundle.pem")
t_svid=$(($(ms) - t0))
say "workload SVID: $fetched"

# Re-attestation: the server plugin logs "attested" a second time, for the same agent ID.
attested_twice() { [ "$(grep -c "msg=attested agent_id=\"$agent_id\"" "$dir/server.log")" -ge 2 ]; }
wait_for "the agent to re-attest (agent_ttl ${E2E_AGENT_TTL:-20s})" 60 attested_twice
if grep "msg=attested " "$dir/server.log" | grep -v -c "agent_id=\"$agent_id\"" >/dev/null; then
  say "an attestation gave another agent ID:"; grep "msg=attested " "$dir/server.log" >&2; exit 1
fi
say "the agent re-attested as $agent_id"

# The workload's SVID carries the agent's attested claims and the signed EAR.
check_svid() { # CHAIN WANT_STATUS -> prints the EAR token to $dir/ear.jwt
  "$aegis" svid inspect "$1" >"$dir/inspect.json"
  python3 - "$dir/inspect.json" "$2" "$workload_id" "$dir/ear.jwt" <<'PY'
import json, sys
doc, want, wid, ear_out = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4]
ext = doc["certificates"][0]["extensions"]
claims, cmw = ext.get("attested_claims"), ext.get("cmw")
assert claims and cmw, f"the leaf lacks AttestedClaims or CMW: {sorted(ext)}"
status = claims["grc.tpm-attestation"]["status"]
assert status == want, f"grc.tpm-attestation.status {status}, expected {want}"
geo = claims["grc.geolocation"]
assert geo["tpm_attested"] is True and geo["sensor_id"] == "e2e-gnss-0", geo
assert claims["grc.workload"]["spiffe_id"].startswith("spiffe://"), claims.get("grc.workload")
assert cmw["format"] == "jwt", cmw
open(ear_out, "w").write(cmw["token"])
print(f"e2e-spire: SVID extensions: status {status}, {geo.get('jurisdiction-country')}, EAR {len(cmw['token'])} bytes", file=sys.stderr)
PY
}
check_svid "$dir/workload.pem" affirming
gateway() { "$aegis" gateway check --bundle "$dir/td-bundle.pem" --policy "$dir/gateway.json" --ear-key "$dir/ear.pub" "$1"; }
gateway "$dir/workload.pem" >"$dir/gateway-allow.json" || { cat "$dir/gateway-allow.json" >&2; say "the gateway denied the attested workload"; exit 1; }
say "gateway: allowed $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("headers"))' "$dir/gateway-allow.json")"

# The workload signs a DPoG proof with the TPM App Key; the gateway checks it against the EAR.
htu=https://gateway.example/data
python3 - "$dir/inspect.json" >"$dir/place.json" <<'PY'
import json, sys
geo = json.load(open(sys.argv[1]))["certificates"][0]["extensions"]["attested_claims"]["grc.geolocation"]
print(json.dumps({"type": "region", "quality": "gnss", "country": geo["jurisdiction-country"]}))
PY
# mint TCTI OUT: a DPoG by the App Key persisted at 0x81010003 (`aegis token dpog` prints {"typ", "token"}).
mint() {
  "$aegis" token dpog --tpm "$1" --key-handle 0x81010003 --htm GET --htu "$htu" --location "$dir/place.json" \
    | python3 -c 'import json, sys; sys.stdout.write(json.load(sys.stdin)["token"])' >"$2"
}
mint "$tcti" "$dir/dpog.jwt"
verify() { # TOKEN
  "$aegis" token verify --htm GET --htu "$htu" --ear "$dir/ear.jwt" --ear-key "$dir/ear.pub" --ear-max-age 3600 \
    --geofence "$dir/gateway-fence.json" --replay-cache "redis://127.0.0.1:$redis_port" "$1"
}
cp "$root/examples/policies/demo-geofence.json" "$dir/gateway-fence.json"
verify "$dir/dpog.jwt" >"$dir/dpog-ok.json" || { cat "$dir/dpog-ok.json" >&2; say "the gateway refused the workload's DPoG"; exit 1; }
say "DPoG by the TPM App Key: accepted"
refused_with() { # NAME TOKEN
  if verify "$2" >"$dir/refused.json" 2>&1; then say "accepted, expected $1: $2"; exit 1; fi
  grep -q "$1" "$dir/refused.json" || { cat "$dir/refused.json" >&2; say "refused, but not with $1"; exit 1; }
  say "refused as expected: $1"
}
refused_with TokenReplayed "$dir/dpog.jwt"
tcti2=$("$root/scripts/swtpm.sh" start "$dir/tpm2")
# Another TPM's App Key (tpm2-tools, no resource manager: flush the transient objects after each step).
t2() { "$@" -T "$tcti2" && tpm2_flushcontext -T "$tcti2" -t; }
t2 tpm2_createprimary -Q -C o -g sha256 -G ecc256 -c "$dir/tpm2/primary.ctx"
t2 tpm2_create -Q -C "$dir/tpm2/primary.ctx" -G ecc256 -a "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign" \
  -u "$dir/tpm2/app.pub" -r "$dir/tpm2/app.priv"
t2 tpm2_load -Q -C "$dir/tpm2/primary.ctx" -u "$dir/tpm2/app.pub" -r "$dir/tpm2/app.priv" -c "$dir/tpm2/app.ctx"
t2 tpm2_evictcontrol -Q -C o -c "$dir/tpm2/app.ctx" 0x81010003 >/dev/null
mint "$tcti2" "$dir/dpog-other.jwt"
refused_with TokenKeyNotResident "$dir/dpog-other.jwt"
"$root/scripts/swtpm.sh" stop "$dir/tpm2" >/dev/null

# attested_count: how many attestations the server plugin logged for the agent.
attested_count() { grep -c "msg=attested agent_id=\"$agent_id\"" "$dir/server.log" || true; }
# wait_attested N: until the server logged more than N attestations for the agent.
wait_attested() { local n=$1; more() { [ "$(attested_count)" -gt "$n" ]; }; wait_for "a re-attestation" 60 more; }

# Outside the geofence: the next re-attestation is not affirming, and a new workload's SVID
# carries that result: the gateway denies it.
reading 48.8566 2.3522 # Paris: France is allowed, the demo area is not
wait_attested "$(attested_count)"
"$bins/spire-server" agent show -socketPath "$server_sock" -spiffeID "$agent_id" -output json >"$dir/agent-out.json"
python3 - "$dir/agent-out.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1])); agent = doc.get("agent", doc)
sel = {f"{s['type']}:{s['value']}" for s in agent.get("selectors", [])}
assert "aegis:ear_status:affirming" not in sel and "aegis:location:affirming" not in sel, sorted(sel)
print("e2e-spire: outside the geofence:", sorted(s for s in sel if "status" in s or "location" in s), file=sys.stderr)
PY
"$bins/spire-server" entry create -socketPath "$server_sock" -parentID "$agent_id" \
  -spiffeID "$workload_id/outside" -selector "unix:uid:$(id -u)" -x509SVIDTTL 300 >/dev/null
"$build/e2e-fetch-svid" -socket "unix://$agent_sock" -id "$workload_id/outside" -timeout 60s -out "$dir/outside.pem" >/dev/null
check_svid "$dir/outside.pem" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' "$dir"/server/results/*.json)"
if gateway "$dir/outside.pem" >"$dir/gateway-deny.json"; then say "the gateway allowed an SVID from outside the geofence"; exit 1; fi
say "gateway: denied the SVID attested outside the geofence"

# A TPM reset (reboot: CMD_INIT, then TPM2_Startup(CLEAR)) between attestations: PCR 15 is back
# at zero, the agent keeps the old log and starts a new one, and the appraisal affirms again.
reading 46.2044 6.1432
n=$(attested_count)
swtpm_ioctl --tcp "127.0.0.1:$(($(cat "$dir/tpm/port") + 1))" -i
tpm2_startup -T "$tcti" -c
wait_attested "$n"
"$bins/spire-server" agent show -socketPath "$server_sock" -spiffeID "$agent_id" -output json >"$dir/agent-reset.json"
python3 - "$dir/agent-reset.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1])); agent = doc.get("agent", doc)
sel = {f"{s['type']}:{s['value']}" for s in agent.get("selectors", [])}
assert "aegis:ear_status:affirming" in sel, sorted(sel)
PY
ls "$dir"/agent/location.log.* >/dev/null || { say "no archived location log after the TPM reset"; exit 1; }
say "TPM reset: new location log, affirming again, same agent ID"

# SVID issuance with and without the composer (issue 13 item 5): `spire-server x509 mint` of the
# workload's ID (its entry is under the attested agent: the composer embeds the claims) on this
# server, and on a second spire-server configured the same without the CredentialComposer, in
# alternating rounds; each mint is one CLI process (its start-up is in both figures).
server2_port=$(free_port)
python3 - "$dir" "$server_port" "$server2_port" >"$dir/server2.conf" <<'PY'
import re, sys
d, p1, p2 = sys.argv[1:4]
conf = open(f"{d}/server.conf").read().replace(f"{d}/server/", f"{d}/server2/").replace(f'"{p1}"', f'"{p2}"')
conf, n = re.subn(r'\n  CredentialComposer "aegis" \{.*?\n  \}\n', "\n", conf, flags=re.S)
assert n == 1, "no CredentialComposer block to remove"
print(conf)
PY
mkdir -p "$dir/server2"
"$bins/spire-server" run -config "$dir/server2.conf" >"$dir/server2.log" 2>&1 &
pids+=($!)
wait_for "the second spire-server" 60 "$bins/spire-server" healthcheck -socketPath "$dir/server2/api.sock"
mkdir -p "$dir/mint"
"$bins/spire-server" x509 mint -socketPath "$server_sock" -spiffeID "$workload_id" -ttl 300s -write "$dir/mint" >/dev/null
"$aegis" svid inspect "$dir/mint/svid.pem" >"$dir/mint/inspect.json"
grep -q attested_claims "$dir/mint/inspect.json" || { say "x509 mint did not go through the composer"; exit 1; }
issuance=$(python3 - "$bins/spire-server" "$server_sock" "$dir/server2/api.sock" "$workload_id" <<'PY'
import json, statistics, subprocess, sys, time
exe, with_composer, without, wid = sys.argv[1:5]
times = {"with": [], "without": []}
for _ in range(15):
    for name, sock in (("with", with_composer), ("without", without)):
        t0 = time.perf_counter()
        subprocess.run([exe, "x509", "mint", "-socketPath", sock, "-spiffeID", wid, "-ttl", "300s"],
                       check=True, capture_output=True)
        times[name].append((time.perf_counter() - t0) * 1000)
med = {k: round(statistics.median(v), 1) for k, v in times.items()}
print(json.dumps({"mint_with_composer_ms": med["with"], "mint_without_composer_ms": med["without"],
                  "composer_adds_ms": round(med["with"] - med["without"], 1), "mint_rounds": 15}))
PY
)
say "SVID issuance (x509 mint, median of 15): $issuance"

# The attestation exchanges alone: from the agent plugin's "attestation started" to the server
# plugin's "attested" (their hclog timestamps), first and second attestation, in ms.
exchanges=$(python3 - "$dir/agent.log" "$dir/server.log" <<'PY'
import json, re, sys
from datetime import datetime
def stamps(path, msg):
    out = []
    for line in open(path):
        if f'msg="{msg}"' in line or f"msg={msg} " in line:
            m = re.search(r'timestamp="([^"]+)"', line)
            out.append(datetime.fromisoformat(m.group(1).replace("Z", "+00:00")))
    return out
started, attested = stamps(sys.argv[1], "attestation started"), stamps(sys.argv[2], "attested")
print(json.dumps([round((b - a).total_seconds() * 1000) for a, b in zip(started, attested)][:2]))
PY
)

summary=$(python3 - "$fetched" "$issuance" <<PY
import json, sys
f = json.loads(sys.argv[1])
print(json.dumps({
  "agent_id": "$agent_id",
  "workload_id": f["spiffe_id"],
  "svid_chain_len": f["chain_len"],
  "server_start_ms": $t_server,
  "agent_attest_ms": $t_agent,
  "attest_exchange_ms": $exchanges[0],
  "reattest_exchange_ms": $exchanges[1],
  "sync_interval": "${E2E_SYNC_INTERVAL:-500ms}",
  "entry_create_ms": $t_entry,
  "entry_to_svid_ms": $t_svid,
  "svid_fetch_ms": f["fetch_again_ms"],
  **json.loads(sys.argv[2]),
}))
PY
)
[ -z "${E2E_OUT:-}" ] || echo "$summary" >"$E2E_OUT"
echo "$summary"
ok=1
