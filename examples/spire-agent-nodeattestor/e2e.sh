#!/usr/bin/env bash
# SPIRE end to end with real servers (`make e2e-spire`, issue 13 item 3):
#   swtpm -> spire-server (server NodeAttestor "aegis", examples/spire-nodeattestor)
#         -> spire-agent  (agent NodeAttestor "aegis", this directory, TPM work through the
#                          Aegis C ABI on the swtpm)
#   -> the agent attests; its SPIFFE ID and selectors are checked on the server;
#   -> a workload entry (unix:uid) is registered under the agent; e2e-fetch-svid fetches its
#      X.509-SVID through the Workload API with go-spiffe and verifies it against the bundle;
#   -> the agent re-attests when its short-lived SVID (agent_ttl) rotates, with the same ID.
# Everything runs on loopback on free ports, in a temporary directory; the processes are stopped
# by pid on exit; their logs are printed on failure. A JSON summary (timings in ms) goes to
# stdout's last line and to $E2E_OUT when set; with E2E_LOGS=DIR the logs and configurations are
# copied there.
#
#   e2e.sh SPIRE_BIN_DIR BUILD_DIR
# BUILD_DIR holds aegis-nodeattestor, aegis-agent-nodeattestor and e2e-fetch-svid.
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
      pcrs = ["sha256:0", "sha256:15"]
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
need = [f"aegis:ak_name:{m.group(1)}"]
assert all(n in sel for n in need), f"selectors {sorted(sel)} lack {need}"
assert any(s.startswith("aegis:app_key_name:000b") for s in sel), sorted(sel)
assert any(re.fullmatch(r"aegis:pcr:sha256:15:[0-9a-f]{64}", s) for s in sel), sorted(sel)
print(f"e2e-spire: agent {agent_id}: selectors {sorted(sel)}", file=sys.stderr)
PY

t0=$(ms)
"$bins/spire-server" entry create -socketPath "$server_sock" -parentID "$agent_id" \
  -spiffeID "$workload_id" -selector "unix:uid:$(id -u)" >"$dir/entry.txt"
t_entry=$(($(ms) - t0))
fetched=$("$build/e2e-fetch-svid" -socket "unix://$agent_sock" -id "$workload_id" -timeout 60s)
t_svid=$(($(ms) - t0))
say "workload SVID: $fetched"

# Re-attestation: the server plugin logs "attested" a second time, for the same agent ID.
attested_twice() { [ "$(grep -c "msg=attested agent_id=\"$agent_id\"" "$dir/server.log")" -ge 2 ]; }
wait_for "the agent to re-attest (agent_ttl ${E2E_AGENT_TTL:-20s})" 60 attested_twice
if grep "msg=attested " "$dir/server.log" | grep -v "agent_id=\"$agent_id\"" | grep -q .; then
  say "an attestation gave another agent ID:"; grep "msg=attested " "$dir/server.log" >&2; exit 1
fi
say "the agent re-attested as $agent_id"

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

summary=$(python3 - "$fetched" <<PY
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
}))
PY
)
[ -z "${E2E_OUT:-}" ] || echo "$summary" >"$E2E_OUT"
echo "$summary"
ok=1
