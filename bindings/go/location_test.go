package aegis_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

// swtpmTools are the programs the swtpm location test runs.
var swtpmTools = []string{"swtpm", "swtpm_setup", "tpm2_createek", "tpm2_createak", "tpm2_evictcontrol",
	"tpm2_flushcontext", "tpm2_pcrextend", "tpm2_quote"}

// startSwtpm manufactures and starts a swtpm (scripts/swtpm.sh) for the test, stopped at its end;
// it returns its directory and a runner of tpm2-tools commands there. Skipped (loudly) without
// the tools, unless AEGIS_REQUIRE_TPM=1.
func startSwtpm(t *testing.T) (string, func(args ...string)) {
	t.Helper()
	for _, tool := range swtpmTools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("AEGIS_REQUIRE_TPM") == "1" {
				t.Fatalf("AEGIS_REQUIRE_TPM=1 but %s is not found", tool)
			}
			t.Skipf("!!!!!!!! SKIPPED: %s not found (scripts/deps.sh tpm installs it) !!!!!!!!", tool)
		}
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "scripts", "swtpm.sh"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "swtpm")
	if out, err := exec.Command("bash", script, "start", dir).CombinedOutput(); err != nil {
		t.Fatalf("swtpm.sh start: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("bash", script, "stop", dir).Run() })
	tcti, err := os.ReadFile(filepath.Join(dir, "tcti"))
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "TPM2TOOLS_TCTI="+strings.TrimSpace(string(tcti)))
	return dir, func(args ...string) {
		t.Helper()
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v: %s", args, err, out)
		}
	}
}

// jcs is RFC 8785 for the values used here: encoding/json sorts map keys and writes these
// numbers (ints, floats with a short fraction) as ECMAScript does.
func jcs(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func randomNonce(t *testing.T) []byte {
	t.Helper()
	n := make([]byte, 32)
	if _, err := rand.Read(n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Two location events extended into PCR 15 of swtpm (FORMATS.md: SHA-256(JCS(event) || nonce)),
// the last for the quote's nonce, logged as JSON Lines; a quote over sha256:15. The location
// check passes and Appraisal.Location gives the current event exactly as measured.
func TestSwtpmVerifiedLocation(t *testing.T) {
	tpmDir, run := startSwtpm(t)
	run("tpm2_createek", "-G", "rsa", "-u", "ek.pub", "-c", "ek.ctx")
	run("tpm2_createak", "-C", "ek.ctx", "-c", "ak.ctx", "-G", "rsa", "-g", "sha256", "-s", "rsassa", "-u", "ak.pub")
	run("tpm2_flushcontext", "-t")
	run("tpm2_evictcontrol", "-C", "o", "-c", "ak.ctx", "0x81010002")
	run("tpm2_flushcontext", "-t")
	quoteNonce := randomNonce(t)
	current := map[string]any{"sensor_type": "gnss", "sensor_id": "test-gnss", "latitude": 48.8566,
		"longitude": 2.3522, "accuracy_m": 4.5, "altitude_m": 35.25, "time": 1700000060, "quality": "3d-fix"}
	events := []struct {
		event map[string]any
		nonce []byte
	}{
		{map[string]any{"sensor_type": "static", "sensor_id": "test-site", "latitude": 52.5, "longitude": 13.25,
			"accuracy_m": 100.5, "time": 1700000000, "quality": "configured"}, randomNonce(t)},
		{current, quoteNonce},
	}
	var log []byte
	prev := make([]byte, 32)
	for seq, e := range events {
		digest := sha256.Sum256(append(jcs(t, e.event), e.nonce...))
		run("tpm2_pcrextend", "15:sha256="+hex.EncodeToString(digest[:]))
		line := append(jcs(t, map[string]any{"digest": hex.EncodeToString(digest[:]), "event": e.event,
			"nonce": hex.EncodeToString(e.nonce), "prev": hex.EncodeToString(prev), "seq": seq}), '\n')
		log = append(log, line...)
		sum := sha256.Sum256(line)
		prev = sum[:]
	}
	run("tpm2_quote", "-c", "0x81010002", "-l", "sha256:15", "-g", "sha256", "-q", hex.EncodeToString(quoteNonce),
		"-m", "q.attest", "-s", "q.sig", "-o", "q.pcrs")

	dir := func(name string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(tpmDir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ak, err := aegis.AttestationKeyFromTPMPublic(dir("ak.pub"))
	if err != nil {
		t.Fatal(err)
	}
	defer ak.Close()
	pcrs, err := aegis.ParsePCRs(dir("q.pcrs"))
	if err != nil {
		t.Fatal(err)
	}
	defer pcrs.Close()
	appraise := func(locationLog []byte) *aegis.Appraisal {
		t.Helper()
		a, err := aegis.Appraise(ak, nil, &aegis.Evidence{QuoteAttest: dir("q.attest"), QuoteSignature: dir("q.sig"),
			PCRs: pcrs, LocationLog: locationLog}, aegis.Nonces{Quote: quoteNonce}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := appraise(log)
	if o := a.Outcomes(); len(o) != 4 || o[2].Outcome != aegis.OutcomePassed || o[3].Check != aegis.CheckLocationLog ||
		o[3].Outcome != aegis.OutcomePassed {
		t.Fatalf("outcomes: %+v", o)
	}
	l := a.Location()
	if l == nil {
		t.Fatal("no verified location")
	}
	if bank, index := l.PCR(); l.EventCount() != 2 || bank != aegis.SHA256 || index != 15 {
		t.Errorf("events %d, PCR %s:%d", l.EventCount(), bank, index)
	}
	if l.CurrentJSON() != string(jcs(t, current)) {
		t.Errorf("current JSON %s, want %s", l.CurrentJSON(), jcs(t, current))
	}
	if l.Latitude() != 48.8566 || l.Longitude() != 2.3522 || l.AccuracyM() != 4.5 {
		t.Errorf("current %v, %v, %v", l.Latitude(), l.Longitude(), l.AccuracyM())
	}
	// A log that does not replay to the quoted PCR: no verified location.
	first := log[:bytes.IndexByte(log, '\n')+1]
	if b := appraise(first); b.Outcomes()[3].Outcome != aegis.OutcomeFailed || b.Location() != nil {
		t.Fatalf("a short log: %+v", b.Outcomes())
	}
}
