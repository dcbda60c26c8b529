/*
 * test_manifest.c: walks testdata/manifest.json through the C ABI (include/aegis.h).
 *
 * For each "quote" and "certify" vector: loads the AK with aegis_ak_from_tpm_public, builds the
 * policy, verifies, and checks the verdict, the error name and the error code against the
 * manifest (an expected error may come from loading the AK, e.g. AkNotRestricted). Valid results
 * are read back through every accessor. Other kinds are skipped and counted.
 *
 * Usage: test_manifest [testdata-dir]   (default: testdata)
 * Last line: "N passed, N failed"; exit status 1 on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aegis.h"
#include "json.h"
#include "util.h"

/* Every status name with the constant the header gives it, to check codes independently of the
 * library's own name table. */
#define S(name, constant) {#name, AEGIS_##constant}
static const struct {
    const char *name;
    aegis_status code;
} STATUS_NAMES[] = {
    S(InvalidArgument, INVALID_ARGUMENT), S(CryptoProvider, CRYPTO_PROVIDER),
    S(NullPointer, NULL_POINTER), S(Panic, PANIC), S(InvalidUtf8, INVALID_UTF8),
    S(Truncated, TRUNCATED), S(TrailingBytes, TRAILING_BYTES), S(SizeOutOfRange, SIZE_OUT_OF_RANGE),
    S(CountOutOfRange, COUNT_OUT_OF_RANGE), S(UnknownAlgorithm, UNKNOWN_ALGORITHM),
    S(UnsupportedAttestationType, UNSUPPORTED_ATTESTATION_TYPE), S(InvalidValue, INVALID_VALUE),
    S(InvalidFormat, INVALID_FORMAT), S(NullSignature, NULL_SIGNATURE),
    S(SignatureSchemeMismatch, SIGNATURE_SCHEME_MISMATCH), S(HashNotAllowed, HASH_NOT_ALLOWED),
    S(HashMismatch, HASH_MISMATCH), S(EcdsaScalarOutOfRange, ECDSA_SCALAR_OUT_OF_RANGE),
    S(SignatureInvalid, SIGNATURE_INVALID), S(BadMagic, BAD_MAGIC),
    S(WrongAttestationType, WRONG_ATTESTATION_TYPE), S(EmptyNonce, EMPTY_NONCE),
    S(NonceMismatch, NONCE_MISMATCH), S(SignerMismatch, SIGNER_MISMATCH),
    S(ClockRegression, CLOCK_REGRESSION), S(PcrNotInSelection, PCR_NOT_IN_SELECTION),
    S(RequiredPcrMissing, REQUIRED_PCR_MISSING), S(PcrValueMissing, PCR_VALUE_MISSING),
    S(PcrValueSize, PCR_VALUE_SIZE), S(PcrDigestMismatch, PCR_DIGEST_MISMATCH),
    S(AkNotRestricted, AK_NOT_RESTRICTED), S(KeyAttributeMissing, KEY_ATTRIBUTE_MISSING),
    S(KeyIsDecrypt, KEY_IS_DECRYPT), S(KeyNotAllowed, KEY_NOT_ALLOWED), S(NameMismatch, NAME_MISMATCH),
    S(EkCertificateInvalid, EK_CERTIFICATE_INVALID), S(EkCertificateUntrusted, EK_CERTIFICATE_UNTRUSTED),
    S(EkCertificateExpired, EK_CERTIFICATE_EXPIRED), S(EkPublicKeyMismatch, EK_PUBLIC_KEY_MISMATCH),
    S(CredentialMismatch, CREDENTIAL_MISMATCH), S(LocationLogMismatch, LOCATION_LOG_MISMATCH),
    S(LocationNonceMismatch, LOCATION_NONCE_MISMATCH), S(LocationLogCorrupt, LOCATION_LOG_CORRUPT),
    S(Backend, BACKEND),
};
#undef S

static int status_of(const char *name, aegis_status *code) {
    size_t i;
    for (i = 0; i < sizeof STATUS_NAMES / sizeof STATUS_NAMES[0]; i++) {
        if (strcmp(STATUS_NAMES[i].name, name) == 0) {
            *code = STATUS_NAMES[i].code;
            return 1;
        }
    }
    return 0;
}

/* The outcome of one vector: the first failing step's status and error, or AEGIS_OK. */
typedef struct {
    aegis_status status;
    aegis_error *err;
    char problem[512]; /* a harness-level failure (missing file, bad manifest, accessor mismatch) */
} outcome;

static void set_problem(outcome *o, const char *fmt, const char *arg) {
    if (!o->problem[0]) snprintf(o->problem, sizeof o->problem, fmt, arg);
}

static int load(outcome *o, const char *dir, const json *v, const char *key, uint8_t **buf, size_t *len) {
    const char *rel = json_str(json_get(v, key));
    if (!rel) { set_problem(o, "manifest entry lacks \"%s\"", key); return 0; }
    if (!read_file(dir, rel, buf, len)) { set_problem(o, "cannot read %s", rel); return 0; }
    return 1;
}

static int hex_field(outcome *o, const json *obj, const char *key, uint8_t **buf, size_t *len) {
    const char *hex = json_str(json_get(obj, key));
    if (!hex || !hex_decode(hex, buf, len)) { set_problem(o, "bad hex in \"%s\"", key); return 0; }
    return 1;
}

static uint16_t bank_alg(const char *name) {
    if (strcmp(name, "sha1") == 0) return 0x0004;
    if (strcmp(name, "sha256") == 0) return 0x000B;
    if (strcmp(name, "sha384") == 0) return 0x000C;
    if (strcmp(name, "sha512") == 0) return 0x000D;
    return 0;
}

static int read_clock(const json *pc, uint64_t *clock, uint32_t *reset, uint32_t *restart, int *safe) {
    uint64_t r, s;
    if (!json_u64(json_get(pc, "clock"), clock) || !json_u64(json_get(pc, "reset_count"), &r) ||
        !json_u64(json_get(pc, "restart_count"), &s) || r > UINT32_MAX || s > UINT32_MAX) {
        return 0;
    }
    *reset = (uint32_t)r;
    *restart = (uint32_t)s;
    *safe = json_bool(json_get(pc, "safe"), 0);
    return 1;
}

/* Compares a borrowed (ptr, len) view with the manifest's hex field, when the field exists. */
static void check_hex(outcome *o, const json *v, const char *key, const uint8_t *ptr, size_t len) {
    const char *want = json_str(json_get(v, key));
    char *got;
    if (!want) return;
    got = hex_encode(ptr, len);
    if (!got || strcmp(got, want) != 0) set_problem(o, "accessor disagrees with manifest \"%s\"", key);
    free(got);
}

static void run_quote(outcome *o, const char *dir, const json *v) {
    uint8_t *ak_buf = NULL, *attest = NULL, *sig = NULL, *pcr_buf = NULL, *nonce = NULL, *signer = NULL;
    size_t ak_len = 0, attest_len = 0, sig_len = 0, pcr_len = 0, nonce_len = 0, signer_len = 0;
    aegis_ak *ak = NULL;
    aegis_pcrs *pcrs = NULL;
    aegis_quote_policy *policy = NULL;
    aegis_verified_quote *vq = NULL;
    const json *pol = json_get(v, "policy");
    const json *req = json_get(pol, "require_pcrs");
    const json *pc = json_get(pol, "previous_clock");
    size_t b, i;

    if (!load(o, dir, v, "ak", &ak_buf, &ak_len) || !load(o, dir, v, "attest", &attest, &attest_len) ||
        !load(o, dir, v, "signature", &sig, &sig_len) || !load(o, dir, v, "pcrs", &pcr_buf, &pcr_len) ||
        !hex_field(o, v, "nonce", &nonce, &nonce_len)) {
        goto done;
    }
    if ((o->status = aegis_ak_from_tpm_public(ak_buf, ak_len, &ak, &o->err)) != AEGIS_OK) goto done;
    {
        const uint8_t *name;
        size_t name_len;
        if (aegis_ak_name(ak, &name, &name_len) != AEGIS_OK) set_problem(o, "%s", "aegis_ak_name failed");
        else check_hex(o, v, "ak_name", name, name_len);
    }
    if ((o->status = aegis_pcrs_parse(pcr_buf, pcr_len, &pcrs, &o->err)) != AEGIS_OK) goto done;
    if (aegis_quote_policy_new(&policy) != AEGIS_OK) { set_problem(o, "%s", "policy_new failed"); goto done; }
    for (b = 0; req && req->type == JSON_OBJECT && b < req->count; b++) {
        uint16_t alg = bank_alg(req->keys[b]);
        for (i = 0; i < req->items[b]->count; i++) {
            uint64_t idx = 0;
            if (!alg || !json_u64(req->items[b]->items[i], &idx) || idx > 255) {
                set_problem(o, "bad require_pcrs entry in bank %s", req->keys[b]);
                goto done;
            }
            o->status = aegis_quote_policy_require_pcr(policy, alg, (uint8_t)idx, &o->err);
            if (o->status != AEGIS_OK) goto done;
        }
    }
    aegis_quote_policy_allow_sha1(policy, json_bool(json_get(pol, "allow_sha1"), 0));
    if (json_get(pol, "expected_signer")) {
        if (!hex_field(o, pol, "expected_signer", &signer, &signer_len)) goto done;
        aegis_quote_policy_set_expected_signer(policy, signer, signer_len);
    }
    if (pc) {
        uint64_t clock;
        uint32_t reset, restart;
        int safe;
        if (!read_clock(pc, &clock, &reset, &restart, &safe)) { set_problem(o, "%s", "bad previous_clock"); goto done; }
        aegis_quote_policy_set_previous_clock(policy, clock, reset, restart, safe != 0);
    }
    o->status = aegis_quote_verify(ak, attest, attest_len, sig, sig_len, pcrs, nonce, nonce_len, policy, &vq, &o->err);
    if (o->status == AEGIS_OK) {
        /* Read every accessor back (ASan/valgrind check the borrowed views). */
        size_t n = aegis_verified_quote_pcr_count(vq);
        uint64_t clock, fw;
        uint32_t reset, restart;
        bool safe;
        if (n == 0) set_problem(o, "%s", "verified quote has no PCRs");
        for (i = 0; i < n; i++) {
            uint16_t alg;
            uint8_t index;
            const uint8_t *value;
            size_t value_len, k;
            unsigned sum = 0;
            if (aegis_verified_quote_pcr_at(vq, i, &alg, &index, &value, &value_len) != AEGIS_OK || value_len == 0) {
                set_problem(o, "%s", "aegis_verified_quote_pcr_at failed");
                break;
            }
            for (k = 0; k < value_len; k++) sum += value[k];
            (void)sum;
        }
        if (aegis_verified_quote_clock(vq, &clock, &reset, &restart, &safe) != AEGIS_OK ||
            aegis_verified_quote_firmware_version(vq, &fw) != AEGIS_OK) {
            set_problem(o, "%s", "clock or firmware accessor failed");
        }
    }
done:
    aegis_verified_quote_free(vq);
    aegis_quote_policy_free(policy);
    aegis_pcrs_free(pcrs);
    aegis_ak_free(ak);
    free(ak_buf); free(attest); free(sig); free(pcr_buf); free(nonce); free(signer);
}

static void run_certify(outcome *o, const char *dir, const json *v) {
    uint8_t *ak_buf = NULL, *key = NULL, *attest = NULL, *sig = NULL, *nonce = NULL, *signer = NULL;
    size_t ak_len = 0, key_len = 0, attest_len = 0, sig_len = 0, nonce_len = 0, signer_len = 0;
    aegis_ak *ak = NULL;
    aegis_certify_policy *policy = NULL;
    aegis_verified_certification *vc = NULL;
    const json *pol = json_get(v, "policy");
    const json *pc = json_get(pol, "previous_clock");

    if (!load(o, dir, v, "ak", &ak_buf, &ak_len) || !load(o, dir, v, "key", &key, &key_len) ||
        !load(o, dir, v, "attest", &attest, &attest_len) || !load(o, dir, v, "signature", &sig, &sig_len) ||
        !hex_field(o, v, "nonce", &nonce, &nonce_len)) {
        goto done;
    }
    if ((o->status = aegis_ak_from_tpm_public(ak_buf, ak_len, &ak, &o->err)) != AEGIS_OK) goto done;
    if (aegis_certify_policy_new(&policy) != AEGIS_OK) { set_problem(o, "%s", "policy_new failed"); goto done; }
    aegis_certify_policy_allow_sha1(policy, json_bool(json_get(pol, "allow_sha1"), 0));
    if (json_get(pol, "expected_signer")) {
        if (!hex_field(o, pol, "expected_signer", &signer, &signer_len)) goto done;
        aegis_certify_policy_set_expected_signer(policy, signer, signer_len);
    }
    if (pc) {
        uint64_t clock;
        uint32_t reset, restart;
        int safe;
        if (!read_clock(pc, &clock, &reset, &restart, &safe)) { set_problem(o, "%s", "bad previous_clock"); goto done; }
        aegis_certify_policy_set_previous_clock(policy, clock, reset, restart, safe != 0);
    }
    o->status = aegis_certify_verify(ak, key, key_len, attest, attest_len, sig, sig_len, nonce, nonce_len, policy,
                                     &vc, &o->err);
    if (o->status == AEGIS_OK) {
        const uint8_t *p;
        size_t n;
        if (aegis_verified_certification_name(vc, &p, &n) != AEGIS_OK) set_problem(o, "%s", "name accessor failed");
        else check_hex(o, v, "key_name", p, n);
        if (aegis_verified_certification_public(vc, &p, &n) != AEGIS_OK || n < 2 || (size_t)(p[0] << 8 | p[1]) != n - 2) {
            set_problem(o, "%s", "public accessor failed or is not a TPM2B_PUBLIC");
        } else if (!((n == key_len && memcmp(p, key, n) == 0) || (n - 2 == key_len && memcmp(p + 2, key, key_len) == 0))) {
            set_problem(o, "%s", "certified public area differs from the key file");
        }
    }
done:
    aegis_verified_certification_free(vc);
    aegis_certify_policy_free(policy);
    aegis_ak_free(ak);
    free(ak_buf); free(key); free(attest); free(sig); free(nonce); free(signer);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "testdata";
    uint8_t *text = NULL;
    size_t text_len = 0, i;
    char jerr[128] = "";
    json *manifest;
    const json *vectors;
    int passed = 0, failed = 0, skipped = 0;

    if (!read_file(dir, "manifest.json", &text, &text_len)) {
        fprintf(stderr, "cannot read %s/manifest.json\n", dir);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    manifest = json_parse((const char *)text, text_len, jerr, sizeof jerr);
    free(text);
    vectors = json_get(manifest, "vectors");
    if (!manifest || !vectors || vectors->type != JSON_ARRAY) {
        fprintf(stderr, "bad manifest: %s\n", jerr[0] ? jerr : "no \"vectors\" array");
        json_free(manifest);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    for (i = 0; i < vectors->count; i++) {
        const json *v = vectors->items[i];
        const char *id = json_str(json_get(v, "id"));
        const char *kind = json_str(json_get(v, "kind"));
        const json *expect = json_get(v, "expect");
        const char *verdict = json_str(json_get(expect, "verdict"));
        const char *want_name = json_str(json_get(expect, "error"));
        outcome o;
        int ok;
        memset(&o, 0, sizeof o);
        if (!id) id = "(no id)";
        if (!kind || (strcmp(kind, "quote") != 0 && strcmp(kind, "certify") != 0)) {
            skipped++;
            continue;
        }
        if (strcmp(kind, "quote") == 0) run_quote(&o, dir, v);
        else run_certify(&o, dir, v);

        if (o.problem[0]) {
            ok = 0;
        } else if (verdict && strcmp(verdict, "valid") == 0) {
            ok = o.status == AEGIS_OK;
            if (!ok) snprintf(o.problem, sizeof o.problem, "expected valid");
        } else if (verdict && strcmp(verdict, "invalid") == 0 && want_name) {
            aegis_status want_code;
            const char *got_name = aegis_error_name(o.err);
            if (!status_of(want_name, &want_code)) {
                ok = 0;
                snprintf(o.problem, sizeof o.problem, "expected error %s has no AEGIS_* constant", want_name);
            } else {
                ok = o.status == want_code && o.err && aegis_error_code(o.err) == want_code &&
                     strcmp(got_name, want_name) == 0;
                if (!ok) snprintf(o.problem, sizeof o.problem, "expected %s (%u)", want_name, (unsigned)want_code);
            }
        } else {
            ok = 0;
            snprintf(o.problem, sizeof o.problem, "manifest entry has no usable \"expect\"");
        }
        if (ok) {
            passed++;
            printf("ok   %-8s %s\n", kind, id);
        } else {
            failed++;
            printf("FAIL %-8s %s: %s; got %u %s: %s\n", kind, id, o.problem, (unsigned)o.status,
                   o.err ? aegis_error_name(o.err) : aegis_status_str(o.status),
                   o.err ? aegis_error_message(o.err) : "");
        }
        aegis_error_free(o.err);
    }
    json_free(manifest);
    printf("%d skipped (kinds other than quote and certify)\n", skipped);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
