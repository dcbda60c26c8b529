package aegis_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"testing"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

// The AegisSovereignAI PoC surface beyond the manifest walk (runPoc): the qualifying data
// recipe, adding app_key_tpm_public, the JSON round trip, the replay, closed handles.
func TestSovereignAttestation(t *testing.T) {
	valid := loadVector(t, "poc/valid")
	missing := loadVector(t, "poc/app-key-tpm-public-missing")

	sa, err := aegis.ParseSovereignAttestation(readVectorFile(t, missing.Bundle))
	if err != nil {
		t.Fatal(err)
	}
	defer sa.Close()
	if sa.AppKeyTPMPublic() != nil {
		t.Fatal("the PoC's own document has no app_key_tpm_public")
	}
	ak, ok := loadAK(t, valid)
	if !ok {
		t.Fatal("AK")
	}
	defer ak.Close()
	if _, err := aegis.VerifySovereignAttestation(ak, sa, valid.Nonce, nil); !errors.Is(err, aegis.ErrPocAppKeyPublicMissing) {
		t.Fatalf("PEM alone: %v", err)
	}

	// The verifier adds the App Key's public area it got elsewhere: the document then verifies.
	full, err := aegis.ParseSovereignAttestation(readVectorFile(t, valid.Bundle))
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	added, err := sa.WithAppKeyTPMPublic(full.AppKeyTPMPublic())
	if err != nil {
		t.Fatal(err)
	}
	defer added.Close()
	vc, err := aegis.VerifySovereignAttestation(ak, added, valid.Nonce, nil)
	if err != nil {
		t.Fatal(err)
	}
	qd, err := aegis.PocQualifyingData(added.AppKeyPublic(), valid.Nonce)
	inner := sha256.Sum256([]byte(added.AppKeyPublic()))
	want := sha256.Sum256(append(inner[:], valid.Nonce...))
	if err != nil || !bytes.Equal(qd, want[:]) {
		t.Fatalf("PocQualifyingData %x, %v", qd, err)
	}
	if len(vc.Name()) == 0 {
		t.Fatal("no certified Name")
	}
	if _, err := sa.WithAppKeyTPMPublic([]byte{1, 2, 3}); err == nil {
		t.Fatal("a public area that does not parse was accepted")
	}

	text, err := full.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(text, &doc); err != nil || doc["tpm_signed_attestation"] != "" ||
		doc["workload_code_hash"] != full.WorkloadCodeHash() {
		t.Fatalf("JSON %s (%v)", text, err)
	}

	log, err := aegis.ParsePocLocationLog(readVectorFile(t, valid.LocationLog))
	if err != nil {
		t.Fatal(err)
	}
	replayed, err := log.Replay()
	if err != nil || len(replayed) != 32 {
		t.Fatalf("Replay %x, %v", replayed, err)
	}
	log.Close()
	log.Close()
	if _, err := log.Replay(); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("Replay after Close: %v", err)
	}
	if _, err := aegis.ParsePocLocationLog([]byte("{}")); !errors.Is(err, aegis.ErrLocationLogCorrupt) {
		t.Fatalf("a log that is not an array: %v", err)
	}
	sa.Close()
	if sa.ChallengeNonce() != "" {
		t.Fatal("a closed document has members")
	}
}

func loadVector(t *testing.T, id string) vector {
	t.Helper()
	for _, v := range loadManifest(t).Vectors {
		if v.ID == id {
			return v
		}
	}
	t.Fatalf("no vector %s", id)
	return vector{}
}
