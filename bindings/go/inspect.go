package aegis

// #include <stdlib.h>
// #include "aegis.h"
import "C"

import (
	"encoding/json"
	"runtime"
	"unsafe"
)

// Inspect decodes a TPM structure into JSON, as `aegis inspect` does: TPMS_ATTEST or
// TPM2B_ATTEST, TPMT_PUBLIC or TPM2B_PUBLIC (with its Name and SPKI PEM), TPMT_SIGNATURE, a
// tpm2-tools PCR file or PCR JSON, or a Keylime quote string. structure names the structure
// ("tpms_attest", "tpm2b_public", "tpmt_signature", "pcrs", "keylime_quote", ... as in
// testdata/manifest.json) or is "" to tell it apart by content. An unknown name gives
// ErrInvalidArgument. Decoding is not verification: nothing in the result is verified.
func Inspect(data []byte, structure string) (json.RawMessage, error) {
	buf, n := cbytes(data)
	var cs *C.char
	if structure != "" {
		cs = C.CString(structure)
		defer C.free(unsafe.Pointer(cs))
	}
	var out *C.aegis_string
	var cerr *C.aegis_error
	status := C.aegis_inspect(buf, n, cs, &out, &cerr)
	runtime.KeepAlive(data)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	defer C.aegis_string_free(out)
	text := C.GoBytes(unsafe.Pointer(C.aegis_string_ptr(out)), C.int(C.aegis_string_len(out)))
	return json.RawMessage(text), nil
}
