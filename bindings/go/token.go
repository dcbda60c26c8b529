package aegis

// #include "aegis.h"
import "C"

import (
	"encoding/json"
	"runtime"
	"sort"
	"strings"
	"time"
)

// ProofKind is DPoR or DPoG (C aegis_proof_kind).
type ProofKind uint32

const (
	// ProofDPoR is a proof of residency (typ "dpor+jwt").
	ProofDPoR ProofKind = C.AEGIS_PROOF_DPOR
	// ProofDPoG is a proof of residency and geolocation (typ "dpog+jwt").
	ProofDPoG ProofKind = C.AEGIS_PROOF_DPOG
)

// ReplayCache is a bounded in-memory replay cache for proof-token jtis (C aegis_replay_cache):
// sharded, each entry kept until its token's window ends; a full cache fails closed
// (ErrReplayCacheFull). Safe for concurrent use: share one between goroutines verifying proofs.
// Close is idempotent, a finalizer is the backstop; do not Close while a verification runs.
type ReplayCache struct {
	p *C.aegis_replay_cache
}

// NewReplayCache makes a cache for at most capacity unexpired identifiers (rounded up to its
// shard count).
func NewReplayCache(capacity int) (*ReplayCache, error) {
	if capacity < 0 {
		capacity = 0
	}
	var out *C.aegis_replay_cache
	if err := check(C.aegis_replay_cache_new(C.size_t(capacity), &out), nil); err != nil {
		return nil, err
	}
	c := &ReplayCache{p: out}
	runtime.SetFinalizer(c, (*ReplayCache).Close)
	return c, nil
}

// ptr is the C handle, or NULL when c is nil or closed (the C side then reports ErrNullPointer).
func (c *ReplayCache) ptr() *C.aegis_replay_cache {
	if c == nil {
		return nil
	}
	return c.p
}

// Close frees the cache. Calling it again, or on nil, does nothing.
func (c *ReplayCache) Close() {
	if c == nil || c.p == nil {
		return
	}
	C.aegis_replay_cache_free(c.p)
	c.p = nil
	runtime.SetFinalizer(c, nil)
}

// ProofRequest is what a DPoR or DPoG proof is minted for (C aegis_proof_request).
type ProofRequest struct {
	// HTM is the HTTP method, HTU the target URI.
	HTM, HTU string
	// IAT is the issue time.
	IAT time.Time
	// JTI is a unique identifier (draw it from crypto/rand).
	JTI string
	// Nonce is the server's DPoR-Nonce ("" = none).
	Nonce string
	// AccessToken is the access token the proof goes with (its hash becomes ath; nil = none).
	AccessToken []byte
}

// WPTRequest is what a WIMSE workload proof token is minted for (C aegis_wpt_request).
type WPTRequest struct {
	// Aud is the audience.
	Aud string
	// Exp is the expiry.
	Exp time.Time
	// JTI is a unique identifier.
	JTI string
	// WIT is the Workload Identity Token (its hash becomes wth).
	WIT []byte
	// AccessToken is an access token sent with it (its hash becomes tth; nil = none).
	AccessToken []byte
	// Other holds other tokens sent with it, by name (their hashes become oth,
	// draft-ietf-wimse-wpt; at most 16).
	Other map[string][]byte
}

// ProofPolicy is a resource server's expectations for a DPoR or DPoG proof (C
// aegis_proof_policy).
type ProofPolicy struct {
	// Kind is ProofDPoR or ProofDPoG.
	Kind ProofKind
	// HTM is the request's method, HTU its target URI.
	HTM, HTU string
	// Now is the verification time.
	Now time.Time
	// Algs is the allow-list (0 = ES256, ES384 and PS256).
	Algs EARAlgs
	// MaxAge is how old iat may be (0 = 60 s); MaxSkew how far in the future (0 = 5 s).
	MaxAge, MaxSkew time.Duration
	// Nonce is the nonce the server issued ("" = not checked).
	Nonce string
	// AccessToken is the access token presented (ath is checked; nil = not checked).
	AccessToken []byte
	// CNFJKT is the access token's cnf.jkt ("" = not checked).
	CNFJKT string
	// AllowedCountries are, for DPoG, the ISO 3166-1 alpha-2 countries the geofence allows
	// (nil = any the EAR affirms).
	AllowedCountries []string
}

// WPTPolicy is a receiving workload's expectations for a WPT (C aegis_wpt_policy).
type WPTPolicy struct {
	// Aud is the expected audience.
	Aud string
	// Now is the verification time.
	Now time.Time
	// WIT is the Workload Identity Token presented (wth is checked).
	WIT []byte
	// WITJKT is the WIT's confirmation key thumbprint ("" = not checked).
	WITJKT string
	// AccessToken is the access token presented (tth is checked; nil = not checked).
	AccessToken []byte
	// Algs is the allow-list (0 = all three).
	Algs EARAlgs
	// MaxLifetime is how far exp may lie ahead (0 = 300 s).
	MaxLifetime time.Duration
	// Other holds other tokens presented with it, by name: each one's hash must be in oth
	// under its name (nil = not checked; at most 16).
	Other map[string][]byte
}

// EARResidency is a verified attestation result a proof key must be named in (C aegis_ear with
// its maximum age), made once by NewEARResidency and used for many verifications. Immutable,
// may be shared between goroutines; Close is idempotent, a finalizer is the backstop.
type EARResidency struct {
	p      *C.aegis_ear
	maxAge C.uint64_t
}

// NewEARResidency verifies the EAR token with key (the verifier's trusted key, never one from the
// token) at now, as VerifyEAR does with every algorithm and no nonce (its errors: ErrEarExpired,
// ErrSignatureInvalid, ...); proofs are then checked against it, the EAR at most maxAge old at
// their verification time.
func NewEARResidency(key *PublicKey, token []byte, now time.Time, maxAge time.Duration) (*EARResidency, error) {
	tb, tn := cbytes(token)
	var ear *C.aegis_ear
	var cerr *C.aegis_error
	status := C.aegis_ear_verify(key.ptr(), tb, tn, unixSeconds(now), nil, 0, 0, &ear, &cerr)
	runtime.KeepAlive(token)
	runtime.KeepAlive(key)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	r := &EARResidency{p: ear, maxAge: seconds(maxAge)}
	runtime.SetFinalizer(r, (*EARResidency).Close)
	return r, nil
}

// ptr is the C handle, or NULL when r is nil or closed (the C side then reports ErrNullPointer).
func (r *EARResidency) ptr() (*C.aegis_ear, C.uint64_t) {
	if r == nil {
		return nil, 0
	}
	return r.p, r.maxAge
}

// Close frees the verified EAR. Calling it again, or on nil, does nothing.
func (r *EARResidency) Close() {
	if r == nil || r.p == nil {
		return
	}
	C.aegis_ear_free(r.p)
	r.p = nil
	runtime.SetFinalizer(r, nil)
}

// VerifiedProof is a DPoR or DPoG proof that passed every check, copied out of the C
// aegis_verified_proof (nothing to close).
type VerifiedProof struct {
	Kind ProofKind
	// Alg is the proof's algorithm (one EARAlgs bit).
	Alg EARAlgs
	// JKT is the proof key's RFC 7638 thumbprint (base64url); JTI the proof's identifier.
	JKT, JTI string
	// IAT is the issue time.
	IAT time.Time
	// LocationJSON is DPoG's verified location claims as JSON ("" for DPoR).
	LocationJSON string
}

// Location decodes LocationJSON (nil for DPoR).
func (p *VerifiedProof) Location() (map[string]any, error) {
	if p.LocationJSON == "" {
		return nil, nil
	}
	var m map[string]any
	err := json.Unmarshal([]byte(p.LocationJSON), &m)
	return m, err
}

// VerifiedWPT is a WPT that passed every check (nothing to close).
type VerifiedWPT struct {
	// JKT is the signing key's RFC 7638 thumbprint; JTI the token's identifier.
	JKT, JTI string
	// Exp is the expiry.
	Exp time.Time
}

// JWKThumbprint is the RFC 7638 JWK thumbprint of key (SHA-256, base64url): the jkt of cnf and
// of an EAR's app_key.
func JWKThumbprint(key *PublicKey) (string, error) {
	var out *C.aegis_string
	var cerr *C.aegis_error
	status := C.aegis_jwk_thumbprint(key.ptr(), &out, &cerr)
	runtime.KeepAlive(key)
	if err := check(status, cerr); err != nil {
		return "", err
	}
	return takeString(out), nil
}

// takeString copies and frees an aegis_string.
func takeString(s *C.aegis_string) string {
	defer C.aegis_string_free(s)
	return C.GoStringN(C.aegis_string_ptr(s), C.int(C.aegis_string_len(s)))
}

// text is pinned for a Go string.
func text(p *runtime.Pinner, s string) (*C.uint8_t, C.size_t) {
	return pinned(p, []byte(s))
}

// namedTokens is other as a pinned C array of aegis_named_token (nil, 0 when empty), in name
// order.
func namedTokens(p *runtime.Pinner, other map[string][]byte) (*C.aegis_named_token, C.size_t) {
	if len(other) == 0 {
		return nil, 0
	}
	names := make([]string, 0, len(other))
	for name := range other {
		names = append(names, name)
	}
	sort.Strings(names)
	entries := make([]C.aegis_named_token, len(names))
	for i, name := range names {
		entries[i].name, entries[i].name_len = text(p, name)
		entries[i].token, entries[i].token_len = pinned(p, other[name])
	}
	p.Pin(&entries[0])
	return &entries[0], C.size_t(len(entries))
}

func seconds(d time.Duration) C.uint64_t {
	if d <= 0 {
		return 0
	}
	return C.uint64_t(d / time.Second)
}

func mintProof(key *PrivateKey, req ProofRequest, location []byte, dpog bool) (string, error) {
	var pin runtime.Pinner
	defer pin.Unpin()
	var r C.aegis_proof_request
	r.htm, r.htm_len = text(&pin, req.HTM)
	r.htu, r.htu_len = text(&pin, req.HTU)
	r.iat = unixSeconds(req.IAT)
	r.jti, r.jti_len = text(&pin, req.JTI)
	r.nonce, r.nonce_len = text(&pin, req.Nonce)
	r.access_token, r.access_token_len = pinned(&pin, req.AccessToken)
	var out *C.aegis_string
	var cerr *C.aegis_error
	var status C.aegis_status
	if dpog {
		lb, ln := cbytes(location)
		status = C.aegis_proof_mint_dpog(key.ptr(), &r, lb, ln, &out, &cerr)
		runtime.KeepAlive(location)
	} else {
		status = C.aegis_proof_mint_dpor(key.ptr(), &r, &out, &cerr)
	}
	runtime.KeepAlive(key)
	runtime.KeepAlive(req)
	if err := check(status, cerr); err != nil {
		return "", err
	}
	return takeString(out), nil
}

// MintDPoR mints a DPoR proof (typ "dpor+jwt") for req, signed with key: ES256 for P-256, ES384
// for P-384, PS256 for RSA.
func MintDPoR(key *PrivateKey, req ProofRequest) (string, error) {
	return mintProof(key, req, nil, false)
}

// MintDPoG mints a DPoG proof (typ "dpog+jwt"): a DPoR proof for req plus the location claims
// locationJSON (type, quality, country, subdivision, ...) under
// "urn:aegis:claims:dpog:location". ErrInvalidFormat when the JSON is not location claims.
func MintDPoG(key *PrivateKey, req ProofRequest, locationJSON []byte) (string, error) {
	return mintProof(key, req, locationJSON, true)
}

// MintWPT mints a WIMSE workload proof token (typ "wpt+jwt", draft-ietf-wimse-wpt-02) for req,
// signed with key as MintDPoR signs.
func MintWPT(key *PrivateKey, req WPTRequest) (string, error) {
	var pin runtime.Pinner
	defer pin.Unpin()
	var r C.aegis_wpt_request
	r.aud, r.aud_len = text(&pin, req.Aud)
	r.exp = unixSeconds(req.Exp)
	r.jti, r.jti_len = text(&pin, req.JTI)
	r.wit, r.wit_len = pinned(&pin, req.WIT)
	r.access_token, r.access_token_len = pinned(&pin, req.AccessToken)
	r.other, r.other_len = namedTokens(&pin, req.Other)
	var out *C.aegis_string
	var cerr *C.aegis_error
	status := C.aegis_wpt_mint(key.ptr(), &r, &out, &cerr)
	runtime.KeepAlive(key)
	runtime.KeepAlive(req)
	if err := check(status, cerr); err != nil {
		return "", err
	}
	return takeString(out), nil
}

// VerifyProof verifies a DPoR or DPoG proof as a resource server, in the order of
// docs/proof-tokens.md: the JWS (ErrTokenTypeInvalid, ErrTokenAlgorithmNotAllowed, ...), the
// claims against policy (ErrTokenHtmMismatch, ErrTokenHtuMismatch, ErrTokenIatOutOfWindow,
// ErrTokenNonceMismatch, ErrTokenAthMismatch, ErrTokenCnfJktMismatch), residency
// (ErrTokenKeyNotResident, ...), DPoG location, and the jti in cache (ErrTokenReplayed).
func VerifyProof(token []byte, policy ProofPolicy, residency *EARResidency, cache *ReplayCache) (*VerifiedProof, error) {
	var pin runtime.Pinner
	defer pin.Unpin()
	var p C.aegis_proof_policy
	p.kind = C.aegis_proof_kind(policy.Kind)
	p.htm, p.htm_len = text(&pin, policy.HTM)
	p.htu, p.htu_len = text(&pin, policy.HTU)
	p.now = unixSeconds(policy.Now)
	p.algs = C.aegis_ear_algs(policy.Algs)
	p.max_age = seconds(policy.MaxAge)
	p.max_skew = seconds(policy.MaxSkew)
	p.nonce, p.nonce_len = text(&pin, policy.Nonce)
	p.access_token, p.access_token_len = pinned(&pin, policy.AccessToken)
	p.cnf_jkt, p.cnf_jkt_len = text(&pin, policy.CNFJKT)
	p.allowed_countries, p.allowed_countries_len = text(&pin, strings.Join(policy.AllowedCountries, ","))
	tb, tn := cbytes(token)
	var out *C.aegis_verified_proof
	var cerr *C.aegis_error
	ear, maxAge := residency.ptr()
	status := C.aegis_proof_verify(&p, tb, tn, ear, maxAge, cache.ptr(), &out, &cerr)
	runtime.KeepAlive(token)
	runtime.KeepAlive(residency)
	runtime.KeepAlive(policy)
	runtime.KeepAlive(cache)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	defer C.aegis_verified_proof_free(out)
	v := &VerifiedProof{
		Kind: ProofKind(C.aegis_verified_proof_kind(out)),
		Alg:  EARAlgs(C.aegis_verified_proof_alg(out)),
		JKT:  C.GoString(C.aegis_verified_proof_jkt(out)),
		JTI:  C.GoString(C.aegis_verified_proof_jti(out)),
		IAT:  time.Unix(int64(C.aegis_verified_proof_iat(out)), 0),
	}
	if loc := C.aegis_verified_proof_location_json(out); loc != nil {
		v.LocationJSON = C.GoString(loc)
	}
	return v, nil
}

// VerifyWPT verifies a WIMSE workload proof token as the receiving workload: the JWS as VerifyProof checks it, then aud (ErrTokenAudienceMismatch), exp
// (ErrTokenExpired), wth and tth (ErrTokenHashMismatch), WITJKT (ErrTokenCnfJktMismatch),
// residency, and the jti in cache.
func VerifyWPT(token []byte, policy WPTPolicy, residency *EARResidency, cache *ReplayCache) (*VerifiedWPT, error) {
	var pin runtime.Pinner
	defer pin.Unpin()
	var p C.aegis_wpt_policy
	p.aud, p.aud_len = text(&pin, policy.Aud)
	p.now = unixSeconds(policy.Now)
	p.wit, p.wit_len = pinned(&pin, policy.WIT)
	p.wit_jkt, p.wit_jkt_len = text(&pin, policy.WITJKT)
	p.access_token, p.access_token_len = pinned(&pin, policy.AccessToken)
	p.algs = C.aegis_ear_algs(policy.Algs)
	p.max_lifetime = seconds(policy.MaxLifetime)
	p.other, p.other_len = namedTokens(&pin, policy.Other)
	tb, tn := cbytes(token)
	var out *C.aegis_verified_wpt
	var cerr *C.aegis_error
	ear, maxAge := residency.ptr()
	status := C.aegis_wpt_verify(&p, tb, tn, ear, maxAge, cache.ptr(), &out, &cerr)
	runtime.KeepAlive(token)
	runtime.KeepAlive(residency)
	runtime.KeepAlive(policy)
	runtime.KeepAlive(cache)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	defer C.aegis_verified_wpt_free(out)
	return &VerifiedWPT{
		JKT: C.GoString(C.aegis_verified_wpt_jkt(out)),
		JTI: C.GoString(C.aegis_verified_wpt_jti(out)),
		Exp: time.Unix(int64(C.aegis_verified_wpt_exp(out)), 0),
	}, nil
}
