//go:build aegis_tpm

package agentattestor

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	aegis "github.com/aegis-attest/aegis/bindings/go"
	"github.com/aegis-attest/aegis/examples/spire-nodeattestor/resultstore"
	"github.com/stretchr/testify/require"
)

// bootPCRs are the PCRs the demo geofence policy has reference values for, and the location PCR.
const bootPCRs = `["sha256:0", "sha256:1", "sha256:2", "sha256:3", "sha256:4", "sha256:5", "sha256:6", "sha256:7", "sha256:15"]`

func writeReading(t *testing.T, path string, lat, lon float64) {
	t.Helper()
	event := fmt.Sprintf(`{"sensor_type":"gnss","sensor_id":"plugin-test-gnss","latitude":%v,"longitude":%v,`+
		`"accuracy_m":10.0,"time":%d,"quality":"3d-fix"}`, lat, lon, time.Now().Unix())
	require.NoError(t, os.WriteFile(path, []byte(event), 0o600))
}

func selectorSet(values []string) map[string]bool {
	m := map[string]bool{}
	for _, v := range values {
		m[v] = true
	}
	return m
}

// The appraisal mode end to end in process: the agent binds its reading into PCR 15 and sends
// the evidence bundle with the location log; the server enrols the AK under the EK, appraises the
// bundle against the demo geofence, signs the EAR and keeps it with the grc.* claims. A reading
// outside the geofence still attests, with a non-affirming result; after a TPM reset (PCR 15
// back to zero) the agent starts a new log and attests again (FORMATS.md).
func TestAppraisalMode(t *testing.T) {
	tpm := startTPM(t)
	dir := t.TempDir()
	key, err := aegis.GeneratePrivateKey(aegis.KeyECCP256)
	require.NoError(t, err)
	pem, err := key.PEM()
	require.NoError(t, err)
	keyFile, reading, logFile, storeDir := filepath.Join(dir, "ear.key"), filepath.Join(dir, "reading.json"),
		filepath.Join(dir, "location.log"), filepath.Join(dir, "results")
	require.NoError(t, os.WriteFile(keyFile, pem, 0o600))
	writeReading(t, reading, 46.2044, 6.1432) // Geneva: inside
	p, _ := newPair(t, fmt.Sprintf(`tcti = %q
ek = "rsa2048"
pcrs = %s
location_file = %q
location_log = %q`, tpm.tcti, bootPCRs, reading, logFile), fmt.Sprintf(`pcrs = ["sha256:15"]
ek_ca_roots = [%q]
ek_ca_intermediates = [%q]
ear_signing_key = %q
result_store_dir = %q
geofence_policy = %q`, filepath.Join(tpm.dir, "ca", "swtpm-localca-rootca-cert.pem"), filepath.Join(tpm.dir, "ca", "issuercert.pem"),
		keyFile, storeDir, filepath.Join("..", "policies", "demo-geofence.json")))
	store, err := resultstore.Open(storeDir)
	require.NoError(t, err)

	check := func(wantAffirming bool) resultstore.Result {
		t.Helper()
		attrs, err := p.attest(t)
		require.NoError(t, err)
		sel := selectorSet(attrs.SelectorValues)
		r, err := store.Get(attrs.SpiffeId)
		require.NoError(t, err)
		var claims map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(r.AttestedClaims, &claims))
		require.Contains(t, claims, "grc.geolocation")
		pub, err := key.PublicKey()
		require.NoError(t, err)
		ear, err := aegis.VerifyEAR(pub, []byte(r.EAR), time.Now(), nil, 0)
		require.NoError(t, err)
		require.Equal(t, r.Status, ear.Claims["ear_status"])
		if wantAffirming {
			require.Equal(t, "affirming", r.Status)
			require.True(t, sel["ear_status:affirming"] && sel["location:affirming"] && sel["country:CH"], "selectors %v", attrs.SelectorValues)
		} else {
			require.NotEqual(t, "affirming", r.Status)
			require.False(t, sel["ear_status:affirming"] || sel["location:affirming"], "selectors %v", attrs.SelectorValues)
		}
		return r
	}
	first := check(true)

	writeReading(t, reading, 48.8566, 2.3522) // Paris: outside the area
	check(false)

	// TPM reset (a reboot): CMD_INIT on the control channel, then TPM2_Startup(CLEAR).
	if _, err := exec.LookPath("tpm2_startup"); err != nil {
		t.Skip("SKIPPED, NOT RUN (the TPM reset part): tpm2_startup not found (scripts/deps.sh tpm)")
	}
	port, err := os.ReadFile(filepath.Join(tpm.dir, "port"))
	require.NoError(t, err)
	var p0 int
	_, err = fmt.Sscan(strings.TrimSpace(string(port)), &p0)
	require.NoError(t, err)
	out, err := exec.Command("swtpm_ioctl", "--tcp", fmt.Sprintf("127.0.0.1:%d", p0+1), "-i").CombinedOutput()
	require.NoError(t, err, "swtpm_ioctl -i: %s", out)
	out, err = exec.Command("tpm2_startup", "-T", tpm.tcti, "-c").CombinedOutput()
	require.NoError(t, err, "tpm2_startup: %s", out)
	writeReading(t, reading, 46.2044, 6.1432)
	after := check(true)
	require.Equal(t, first.AgentID, after.AgentID)
	archived, err := filepath.Glob(logFile + ".*")
	require.NoError(t, err)
	require.NotEmpty(t, archived, "the pre-reset log was not kept")
}
