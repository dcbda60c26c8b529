package resultstore_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aegis-attest/aegis/examples/spire-nodeattestor/resultstore"
)

const agentID = "spiffe://example.org/spire/agent/aegis/000b0123"

func sample() resultstore.Result {
	return resultstore.Result{
		Version:        1,
		AgentID:        agentID,
		Status:         resultstore.StatusAffirming,
		EAR:            "eyJhbGciOiJFUzI1NiJ9.e30.c2ln",
		EARExpiry:      2000,
		AttestedClaims: json.RawMessage(`{"grc.status":"affirming"}`),
		AttestedAt:     1000,
	}
}

func open(t *testing.T) *resultstore.Store {
	t.Helper()
	s, err := resultstore.Open(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOpenCreatesPrivateDir(t *testing.T) {
	s := open(t)
	fi, err := os.Stat(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("mode %v", fi.Mode())
	}
}

func TestOpenRefusesFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := resultstore.Open(f); err == nil {
		t.Fatal("opened a regular file as a store")
	}
}

func TestPutGetRoundTrip(t *testing.T) {
	s := open(t)
	want := sample()
	if err := s.Put(want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(agentID)
	if err != nil {
		t.Fatal(err)
	}
	if got.AgentID != want.AgentID || got.Status != want.Status || got.EAR != want.EAR ||
		got.EARExpiry != want.EARExpiry || got.AttestedAt != want.AttestedAt ||
		string(got.AttestedClaims) != string(want.AttestedClaims) || got.Version != 1 {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	// The file is named by the hash of the ID, mode 0600, and no temporary file is left.
	entries, err := os.ReadDir(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != resultstore.FileName(agentID) {
		t.Fatalf("directory holds %v", entries)
	}
	if strings.Contains(entries[0].Name(), "example.org") || len(entries[0].Name()) != 64+len(".json") {
		t.Fatalf("file name %q", entries[0].Name())
	}
	fi, err := entries[0].Info()
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
}

func TestPutReplaces(t *testing.T) {
	s := open(t)
	if err := s.Put(sample()); err != nil {
		t.Fatal(err)
	}
	r := sample()
	r.Status = resultstore.StatusContraindicated
	r.AttestedAt = 1500
	if err := s.Put(r); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(agentID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != resultstore.StatusContraindicated || got.AttestedAt != 1500 {
		t.Fatalf("got %+v", got)
	}
}

func TestGetNotFound(t *testing.T) {
	s := open(t)
	if _, err := s.Get(agentID); !errors.Is(err, resultstore.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestDelete(t *testing.T) {
	s := open(t)
	if err := s.Put(sample()); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(agentID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(agentID); !errors.Is(err, resultstore.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if err := s.Delete(agentID); err != nil {
		t.Fatalf("deleting an absent result: %v", err)
	}
}

func TestPutRefusesInvalid(t *testing.T) {
	cases := map[string]func(*resultstore.Result){
		"version":           func(r *resultstore.Result) { r.Version = 2 },
		"agent id":          func(r *resultstore.Result) { r.AgentID = "not a spiffe id" },
		"empty agent id":    func(r *resultstore.Result) { r.AgentID = "" },
		"status":            func(r *resultstore.Result) { r.Status = "pass" },
		"empty ear":         func(r *resultstore.Result) { r.EAR = "" },
		"ear exp":           func(r *resultstore.Result) { r.EARExpiry = 0 },
		"attested at":       func(r *resultstore.Result) { r.AttestedAt = 0 },
		"exp before at":     func(r *resultstore.Result) { r.EARExpiry = 999 },
		"claims missing":    func(r *resultstore.Result) { r.AttestedClaims = nil },
		"claims not json":   func(r *resultstore.Result) { r.AttestedClaims = json.RawMessage(`{`) },
		"claims not object": func(r *resultstore.Result) { r.AttestedClaims = json.RawMessage(`[1]`) },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			r := sample()
			mutate(&r)
			if err := s.Put(r); !errors.Is(err, resultstore.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			entries, err := os.ReadDir(s.Dir())
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 0 {
				t.Fatalf("refused Put left %v", entries)
			}
		})
	}
}

// writeRaw stores data as the file of agentID, bypassing Put (a tampered or foreign store).
func writeRaw(t *testing.T, s *resultstore.Store, id string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(s.Dir(), resultstore.FileName(id)), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestGetRefusesOtherAgentsFile(t *testing.T) {
	s := open(t)
	other := sample()
	other.AgentID = "spiffe://example.org/spire/agent/aegis/ffff"
	data, err := json.Marshal(other)
	if err != nil {
		t.Fatal(err)
	}
	writeRaw(t, s, agentID, data)
	if _, err := s.Get(agentID); !errors.Is(err, resultstore.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}

func TestGetRefusesUnknownMember(t *testing.T) {
	s := open(t)
	data, err := json.Marshal(sample())
	if err != nil {
		t.Fatal(err)
	}
	data = append([]byte(`{"extra":1,`), data[1:]...)
	writeRaw(t, s, agentID, data)
	if _, err := s.Get(agentID); !errors.Is(err, resultstore.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}

func TestGetRefusesTrailingData(t *testing.T) {
	s := open(t)
	data, err := json.Marshal(sample())
	if err != nil {
		t.Fatal(err)
	}
	writeRaw(t, s, agentID, append(data, []byte(`{}`)...))
	if _, err := s.Get(agentID); !errors.Is(err, resultstore.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}

func TestGetRefusesInvalidStoredResult(t *testing.T) {
	s := open(t)
	r := sample()
	r.Status = "pass"
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	writeRaw(t, s, agentID, data)
	if _, err := s.Get(agentID); !errors.Is(err, resultstore.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}

func TestGetRefusesOversizedFile(t *testing.T) {
	s := open(t)
	writeRaw(t, s, agentID, make([]byte, resultstore.MaxResultSize+1))
	if _, err := s.Get(agentID); !errors.Is(err, resultstore.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}
