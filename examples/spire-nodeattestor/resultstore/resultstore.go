// Package resultstore is the side store through which the "aegis" NodeAttestor hands an agent's
// appraisal result to the "aegis" CredentialComposer: SPIRE gives a composer no attestation
// context, only the SPIFFE ID it is about to sign, so the NodeAttestor keeps one Result per agent
// SPIFFE ID in a directory and the composer looks it up there (README.md, "CredentialComposer").
//
// One JSON file per agent, named hex(SHA-256(agent ID)).json so that no part of an ID reaches a
// path; written atomically (temporary file, fsync, rename, fsync of the directory), mode 0600 in a
// 0700 directory. The store is not trusted for integrity: the composer re-verifies the signed EAR
// each Result carries.
package resultstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// Version is the only Result.Version this package reads and writes.
const Version = 1

// MaxResultSize caps the size of one stored result (an EAR and its claims are a few kilobytes).
const MaxResultSize = 1 << 20

// Overall EAR statuses (draft-ietf-rats-ear, "ear.status"; the trust tier names).
const (
	StatusAffirming       = "affirming"
	StatusWarning         = "warning"
	StatusContraindicated = "contraindicated"
	StatusNone            = "none"
)

// ErrNotFound is returned (errors.Is) by Get when no result is stored for the agent.
var ErrNotFound = errors.New("resultstore: no result for this agent")

// ErrInvalid is returned (errors.Is) for a result that fails validation, on Put or on Get.
var ErrInvalid = errors.New("resultstore: invalid result")

// Result is what the NodeAttestor keeps for one attested agent.
type Result struct {
	Version        int             `json:"version"`         // 1
	AgentID        string          `json:"agent_id"`        // spiffe://<td>/spire/agent/aegis/<AK Name hex>
	Status         string          `json:"status"`          // the EAR's overall status: affirming|warning|contraindicated|none
	EAR            string          `json:"ear"`             // the signed EAR, compact JWS (ES256, EAR dialect ietf04)
	EARExpiry      int64           `json:"ear_exp"`         // unix seconds: the EAR's exp
	AttestedClaims json.RawMessage `json:"attested_claims"` // the grc.* JSON for the AttestedClaims extension
	AttestedAt     int64           `json:"attested_at"`     // unix seconds
}

// Validate checks the shape of a result (not the EAR's signature: the reader verifies that).
func (r Result) Validate() error {
	if r.Version != Version {
		return fmt.Errorf("%w: version %d, want %d", ErrInvalid, r.Version, Version)
	}
	if _, err := spiffeid.FromString(r.AgentID); err != nil {
		return fmt.Errorf("%w: agent_id: %v", ErrInvalid, err)
	}
	switch r.Status {
	case StatusAffirming, StatusWarning, StatusContraindicated, StatusNone:
	default:
		return fmt.Errorf("%w: status %q", ErrInvalid, r.Status)
	}
	if r.EAR == "" {
		return fmt.Errorf("%w: empty ear", ErrInvalid)
	}
	if r.EARExpiry <= 0 {
		return fmt.Errorf("%w: ear_exp %d", ErrInvalid, r.EARExpiry)
	}
	if r.AttestedAt <= 0 {
		return fmt.Errorf("%w: attested_at %d", ErrInvalid, r.AttestedAt)
	}
	if r.EARExpiry < r.AttestedAt {
		return fmt.Errorf("%w: ear_exp before attested_at", ErrInvalid)
	}
	claims := bytes.TrimSpace(r.AttestedClaims)
	if len(claims) == 0 || claims[0] != '{' || !json.Valid(claims) {
		return fmt.Errorf("%w: attested_claims is not a JSON object", ErrInvalid)
	}
	return nil
}

// Store is a directory of results. Safe for concurrent use by several goroutines and processes:
// a reader sees either the old or the new file, never a partial one.
type Store struct {
	dir string
}

// Open opens the store in dir, creating it (mode 0700) when missing.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("resultstore: empty directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("resultstore: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("resultstore: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("resultstore: %s is not a directory", dir)
	}
	return &Store{dir: dir}, nil
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// FileName is the name of the file holding agentID's result: hex(SHA-256(agentID)) + ".json".
func FileName(agentID string) string {
	sum := sha256.Sum256([]byte(agentID))
	return hex.EncodeToString(sum[:]) + ".json"
}

func (s *Store) path(agentID string) string {
	return filepath.Join(s.dir, FileName(agentID))
}

// Put validates r and replaces the result stored for r.AgentID atomically.
func (s *Store) Put(r Result) error {
	if err := r.Validate(); err != nil {
		return err
	}
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("resultstore: %w", err)
	}
	if len(data) > MaxResultSize {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrInvalid, len(data), MaxResultSize)
	}
	tmp, err := os.CreateTemp(s.dir, ".put-*.tmp")
	if err != nil {
		return fmt.Errorf("resultstore: %w", err)
	}
	tmpName := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(tmpName)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("resultstore: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("resultstore: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("resultstore: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("resultstore: %w", err)
	}
	if err := os.Rename(tmpName, s.path(r.AgentID)); err != nil {
		return fmt.Errorf("resultstore: %w", err)
	}
	ok = true
	return s.syncDir()
}

// syncDir makes a rename or removal durable.
func (s *Store) syncDir() error {
	d, err := os.Open(s.dir)
	if err != nil {
		return fmt.Errorf("resultstore: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("resultstore: %w", err)
	}
	return nil
}

// Get reads the result stored for agentID: ErrNotFound when there is none, ErrInvalid when the file
// does not parse strictly (unknown members, trailing data), fails validation, or holds the result
// of another agent.
func (s *Store) Get(agentID string) (Result, error) {
	f, err := os.Open(s.path(agentID))
	if errors.Is(err, os.ErrNotExist) {
		return Result{}, ErrNotFound
	}
	if err != nil {
		return Result{}, fmt.Errorf("resultstore: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxResultSize+1))
	if err != nil {
		return Result{}, fmt.Errorf("resultstore: %w", err)
	}
	if len(data) > MaxResultSize {
		return Result{}, fmt.Errorf("%w: larger than %d bytes", ErrInvalid, MaxResultSize)
	}
	var r Result
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Result{}, fmt.Errorf("%w: trailing data", ErrInvalid)
	}
	if err := r.Validate(); err != nil {
		return Result{}, err
	}
	if r.AgentID != agentID {
		return Result{}, fmt.Errorf("%w: file for %q holds agent_id %q", ErrInvalid, agentID, r.AgentID)
	}
	return r, nil
}

// Delete removes the result stored for agentID; removing an absent result is not an error.
func (s *Store) Delete(agentID string) error {
	err := os.Remove(s.path(agentID))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("resultstore: %w", err)
	}
	return s.syncDir()
}
