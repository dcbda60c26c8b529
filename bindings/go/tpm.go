//go:build aegis_tpm

package aegis

// The attested host's side: TPM operations through the C ABI's aegis_tpm_* functions, which only
// a libaegis built with the cargo feature "tss" has (aegis-ffi/src/agent.rs; it links libtss2).
// Build with `-tags aegis_tpm` against such a library (examples/spire-agent-nodeattestor).

/*
#cgo CFLAGS: -DAEGIS_FEATURE_TSS
#include "aegis.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// TPM is an open TPM (C aegis_tpm): a TCTI connection and its storage root key. Its methods may
// be called from several goroutines: they are serialised (the C object is not thread-safe).
// Close frees it; it is idempotent, and a finalizer calls it as a backstop.
type TPM struct {
	mu sync.Mutex
	p  *C.aegis_tpm
}

// TPMKey is a key in a TPM (C aegis_tpm_key): an AK or App Key, usable only with the TPM that made
// it. Immutable; Close frees the handle (a persistent key stays in the TPM).
type TPMKey struct {
	p *C.aegis_tpm_key
}

// OpenTPM opens the TPM at a TCTI string ("swtpm:host=127.0.0.1,port=2321",
// "device:/dev/tpmrm0", "tabrmd"). ErrBackend when the TCTI cannot be loaded or the TPM refuses.
func OpenTPM(tcti string) (*TPM, error) {
	b := []byte(tcti)
	ptr, n := cbytes(b)
	var out *C.aegis_tpm
	var cerr *C.aegis_error
	status := C.aegis_tpm_open((*C.char)(unsafe.Pointer(ptr)), n, &out, &cerr)
	runtime.KeepAlive(b)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	t := &TPM{p: out}
	runtime.SetFinalizer(t, (*TPM).Close)
	return t, nil
}

// Close closes the TPM (flushes its storage root key). Calling it again, or on nil, does nothing.
func (t *TPM) Close() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.p != nil {
		C.aegis_tpm_free(t.p)
		t.p = nil
		runtime.SetFinalizer(t, nil)
	}
}

func newTPMKey(p *C.aegis_tpm_key) *TPMKey {
	k := &TPMKey{p: p}
	runtime.SetFinalizer(k, (*TPMKey).Close)
	return k
}

func (k *TPMKey) ptr() *C.aegis_tpm_key {
	if k == nil {
		return nil
	}
	return k.p
}

// Close frees the key handle. Calling it again, or on nil, does nothing.
func (k *TPMKey) Close() {
	if k == nil || k.p == nil {
		return
	}
	C.aegis_tpm_key_free(k.p)
	k.p = nil
	runtime.SetFinalizer(k, nil)
}

// TPMPublic is the key's TPM2B_PUBLIC (what AttestationKeyFromTPMPublic reads).
func (k *TPMKey) TPMPublic() ([]byte, error) {
	var out *C.aegis_bytes
	status := C.aegis_tpm_key_public(k.ptr(), &out)
	runtime.KeepAlive(k)
	if err := check(status, nil); err != nil {
		return nil, err
	}
	return takeBytes(out), nil
}

// do runs f on the C handle under the lock (NULL after Close: the C side reports ErrNullPointer).
func (t *TPM) do(f func(p *C.aegis_tpm) error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	err := f(t.p)
	runtime.KeepAlive(t)
	return err
}

// ReadEK reads the EK of kind (KeyRSA2048, KeyECCP256, KeyECCP384) and the contents of its
// certificate NV index (nil when not provisioned; DER, possibly zero-padded).
func (t *TPM) ReadEK(kind KeyKind) (tpm2bPublic, certificate []byte, err error) {
	err = t.do(func(p *C.aegis_tpm) error {
		var pub, cert *C.aegis_bytes
		var cerr *C.aegis_error
		if err := check(C.aegis_tpm_read_ek(p, C.aegis_key_kind(kind), &pub, &cert, &cerr), cerr); err != nil {
			return err
		}
		tpm2bPublic, certificate = takeBytes(pub), takeBytes(cert)
		return nil
	})
	return tpm2bPublic, certificate, err
}

// CreateAK creates an AK of kind (ECDSA-SHA256 on P-256, ECDSA-SHA384 on P-384, RSASSA-SHA256 on
// RSA 2048) under the EK of ekKind (as tpm2_createak), also persistent at persistHandle unless it
// is 0. Its quotes and certifications name QualifiedName(Name(AK), QN(EK)) as their signer, which
// a verifier that enrolled the AK through that EK expects.
func (t *TPM) CreateAK(kind, ekKind KeyKind, persistHandle uint32) (*TPMKey, error) {
	return t.makeKey(func(p *C.aegis_tpm, out **C.aegis_tpm_key, cerr **C.aegis_error) C.aegis_status {
		return C.aegis_tpm_create_ak(p, C.aegis_key_kind(kind), C.aegis_key_kind(ekKind), C.uint32_t(persistHandle), out, cerr)
	})
}

// CreateAppKey creates an App Key (unrestricted signing key, scheme NULL) of kind, also
// persistent at persistHandle unless it is 0.
func (t *TPM) CreateAppKey(kind KeyKind, persistHandle uint32) (*TPMKey, error) {
	return t.makeKey(func(p *C.aegis_tpm, out **C.aegis_tpm_key, cerr **C.aegis_error) C.aegis_status {
		return C.aegis_tpm_create_app_key(p, C.aegis_key_kind(kind), C.uint32_t(persistHandle), out, cerr)
	})
}

// LoadPersistent loads the key persisted at handle.
func (t *TPM) LoadPersistent(handle uint32) (*TPMKey, error) {
	return t.makeKey(func(p *C.aegis_tpm, out **C.aegis_tpm_key, cerr **C.aegis_error) C.aegis_status {
		return C.aegis_tpm_load_persistent(p, C.uint32_t(handle), out, cerr)
	})
}

func (t *TPM) makeKey(f func(*C.aegis_tpm, **C.aegis_tpm_key, **C.aegis_error) C.aegis_status) (*TPMKey, error) {
	var key *TPMKey
	err := t.do(func(p *C.aegis_tpm) error {
		var out *C.aegis_tpm_key
		var cerr *C.aegis_error
		if err := check(f(p, &out, &cerr), cerr); err != nil {
			return err
		}
		key = newTPMKey(out)
		return nil
	})
	return key, err
}

// ActivateCredential recovers the secret of a credential made to the EK of ekKind for the AK's
// Name (MakeCredential; credential in the tpm2-tools file form, MadeCredential.TPM2ToolsFile).
func (t *TPM) ActivateCredential(ak *TPMKey, ekKind KeyKind, credential []byte) ([]byte, error) {
	var secret []byte
	err := t.do(func(p *C.aegis_tpm) error {
		buf, n := cbytes(credential)
		var out *C.aegis_bytes
		var cerr *C.aegis_error
		status := C.aegis_tpm_activate_credential(p, ak.ptr(), C.aegis_key_kind(ekKind), buf, n, &out, &cerr)
		runtime.KeepAlive(credential)
		runtime.KeepAlive(ak)
		if err := check(status, cerr); err != nil {
			return err
		}
		secret = takeBytes(out)
		return nil
	})
	return secret, err
}

// Certify runs TPM2_Certify of key by ak over qualifyingData (the verifier's nonce) and returns
// the TPMS_ATTEST and TPMT_SIGNATURE (what VerifyCertify reads).
func (t *TPM) Certify(key, ak *TPMKey, qualifyingData []byte) (attest, signature []byte, err error) {
	err = t.do(func(p *C.aegis_tpm) error {
		buf, n := cbytes(qualifyingData)
		var a, s *C.aegis_bytes
		var cerr *C.aegis_error
		status := C.aegis_tpm_certify(p, key.ptr(), ak.ptr(), buf, n, &a, &s, &cerr)
		runtime.KeepAlive(qualifyingData)
		runtime.KeepAlive(key)
		runtime.KeepAlive(ak)
		if err := check(status, cerr); err != nil {
			return err
		}
		attest, signature = takeBytes(a), takeBytes(s)
		return nil
	})
	return attest, signature, err
}

// Quote runs TPM2_Quote by ak of the PCRs of bank with nonce as qualifying data and returns the
// TPMS_ATTEST, the TPMT_SIGNATURE and the PCR values as PCR JSON ({"sha256": {"15": "<hex>"}}:
// what an evidence bundle's quote.pcrs holds, and what ParsePCRs reads).
func (t *TPM) Quote(ak *TPMKey, bank HashAlg, pcrs []uint8, nonce []byte) (attest, signature, pcrJSON []byte, err error) {
	err = t.do(func(p *C.aegis_tpm) error {
		pbuf, pn := cbytes(pcrs)
		nbuf, nn := cbytes(nonce)
		var a, s, f *C.aegis_bytes
		var cerr *C.aegis_error
		status := C.aegis_tpm_quote(p, ak.ptr(), C.uint16_t(bank), pbuf, pn, nbuf, nn, &a, &s, &f, &cerr)
		runtime.KeepAlive(pcrs)
		runtime.KeepAlive(nonce)
		runtime.KeepAlive(ak)
		if err := check(status, cerr); err != nil {
			return err
		}
		attest, signature, pcrJSON = takeBytes(a), takeBytes(s), takeBytes(f)
		return nil
	})
	return attest, signature, pcrJSON, err
}

// RecordLocation records a location reading as evidence (FORMATS.md, "Location evidence bound
// into a PCR"; C aegis_tpm_record_location): eventJSON (a location event) bound to nonce is
// appended to the event log file at logPath (created when missing), then extended into PCR pcr
// of bank. When the TPM was reset since the log began (the PCR back at its reset value), the old
// log is moved aside first and its new path returned in archivedLog ("" otherwise).
// ErrLocationLogMismatch when something else extended the PCR (nothing changes).
func (t *TPM) RecordLocation(logPath string, pcr uint8, bank HashAlg, eventJSON, nonce []byte) (archivedLog string, err error) {
	err = t.do(func(p *C.aegis_tpm) error {
		path := []byte(logPath)
		pbuf, pn := cbytes(path)
		ebuf, en := cbytes(eventJSON)
		nbuf, nn := cbytes(nonce)
		var out *C.aegis_string
		var cerr *C.aegis_error
		status := C.aegis_tpm_record_location(p, (*C.char)(unsafe.Pointer(pbuf)), pn, C.uint8_t(pcr),
			C.uint16_t(bank), ebuf, en, nbuf, nn, &out, &cerr)
		runtime.KeepAlive(path)
		runtime.KeepAlive(eventJSON)
		runtime.KeepAlive(nonce)
		if err := check(status, cerr); err != nil {
			return err
		}
		defer C.aegis_string_free(out)
		archivedLog = C.GoStringN(C.aegis_string_ptr(out), C.int(C.aegis_string_len(out)))
		return nil
	})
	return archivedLog, err
}
