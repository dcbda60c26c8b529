package aegis

// #include "aegis.h"
import "C"

import (
	"runtime"
	"time"
)

// SVIDTemplate is what a leaf X.509-SVID certifies (C aegis_svid_template, docs/svid.md
// "Issuing"): SPIFFEID (with a path), PublicKey (the workload's key), Serial (big-endian,
// positive, at most 20 bytes), NotBefore and NotAfter are required. AttestedClaims (the grc.*
// JSON) adds the AttestedClaims extension and EAR (a signed EAR, a CWT when EARIsCWT, labelled
// with EARDialect's profile) the CMW extension; each is left out when nil.
type SVIDTemplate struct {
	SPIFFEID            string
	PublicKey           *PublicKey
	Serial              []byte
	NotBefore, NotAfter time.Time
	AttestedClaims      []byte
	EAR                 []byte
	EARIsCWT            bool
	EARDialect          EARDialect
}

// IssueSVID issues a leaf X.509-SVID for t (empty subject, critical URI SAN, cA=FALSE, keyUsage
// digitalSignature, extKeyUsage serverAuth and clientAuth, then the extensions t gives), issued
// by the certificate issuer (PEM or DER) and signed with its key issuerKey; it returns the
// certificate's DER (C aegis_svid_issue). A SPIFFE ID that does not parse is its ErrSvid*
// error; an ID without path, a bad serial, NotAfter before NotBefore or a key that is not the
// issuer's is ErrInvalidArgument.
func IssueSVID(t SVIDTemplate, issuer []byte, issuerKey *PrivateKey) ([]byte, error) {
	var pin runtime.Pinner
	defer pin.Unpin()
	var c C.aegis_svid_template
	c.spiffe_id, c.spiffe_id_len = text(&pin, t.SPIFFEID)
	c.public_key = t.PublicKey.ptr()
	c.serial, c.serial_len = pinned(&pin, t.Serial)
	c.not_before = unixSeconds(t.NotBefore)
	c.not_after = unixSeconds(t.NotAfter)
	c.attested_claims, c.attested_claims_len = pinned(&pin, t.AttestedClaims)
	c.ear, c.ear_len = pinned(&pin, t.EAR)
	c.ear_form = C.AEGIS_EAR_FORM_JWT
	if t.EARIsCWT {
		c.ear_form = C.AEGIS_EAR_FORM_CWT
	}
	c.ear_dialect = C.aegis_ear_dialect(t.EARDialect)
	ib, in := cbytes(issuer)
	var out *C.aegis_bytes
	var cerr *C.aegis_error
	status := C.aegis_svid_issue(&c, ib, in, issuerKey.ptr(), &out, &cerr)
	runtime.KeepAlive(t)
	runtime.KeepAlive(t.PublicKey)
	runtime.KeepAlive(issuer)
	runtime.KeepAlive(issuerKey)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return takeBytes(out), nil
}

// IssueSVIDCA issues a self-signed SPIFFE signing CA for trustDomain (cA=TRUE, keyUsage
// keyCertSign and cRLSign, the URI SAN spiffe://<trustDomain>, subject O=<organisation>,
// CN=<trustDomain>) signed with key (ECDSA with the curve's hash, or RSASSA-PKCS1-v1_5 with
// SHA-256); it returns the certificate's DER (C aegis_svid_ca_issue). A trust domain that is not
// one is its ErrSvid* error; a bad serial, notAfter before notBefore or an organisation with a
// character reserved in names is ErrInvalidArgument.
func IssueSVIDCA(trustDomain, organisation string, serial []byte, notBefore, notAfter time.Time, key *PrivateKey) ([]byte, error) {
	var pin runtime.Pinner
	defer pin.Unpin()
	tb, tn := text(&pin, trustDomain)
	ob, on := text(&pin, organisation)
	sb, sn := pinned(&pin, serial)
	var out *C.aegis_bytes
	var cerr *C.aegis_error
	status := C.aegis_svid_ca_issue(tb, tn, ob, on, sb, sn, unixSeconds(notBefore), unixSeconds(notAfter), key.ptr(), &out, &cerr)
	runtime.KeepAlive(key)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return takeBytes(out), nil
}
