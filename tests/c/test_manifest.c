/*
 * test_manifest.c: walks testdata/manifest.json through the C ABI (include/aegis.h).
 *
 * For each "quote" and "certify" vector: loads the AK with aegis_ak_from_tpm_public, builds the
 * policy, verifies, and checks the verdict, the error name and the error code against the
 * manifest (an expected error may come from loading the AK, e.g. AkNotRestricted). Valid results
 * are read back through every accessor.
 * For each "inspect" vector: aegis_inspect with the manifest's structure name, the same verdict
 * and error checks, and the JSON text read back.
 * For each "ek" vector: a trust store from its CA files, aegis_ek_verify at its verify_time, the
 * accessors checked against the manifest; then negative cases made here, each breaking one check:
 * a time before notBefore (EkCertificateExpired), an empty store (EkCertificateUntrusted), another
 * EK vector's public area (EkPublicKeyMismatch); and credential activation on the verifier side:
 * aegis_credential_make for that EK, the structure sizes, the tpm2-tools file form round trip,
 * aegis_credential_check, and aegis_name_qualified_under (activation itself needs the TPM: the
 * Rust suite runs it on swtpm).
 * For each "geofence" vector: the policy from JSON (an invalid one refused with the JSON path at
 * fault), the decision on the reading and exactly the expected denials.
 * For each "bundle" vector: the evidence bundle appraised into an attestation result, compared
 * as aegis-core/tests/bundle.rs compares it (status, submod statuses, failed checks, country).
 * For each "proof" vector: the EAR verified with aegis_ear_verify, then the DPoR, DPoG or WPT with
 * aegis_proof_verify / aegis_wpt_verify and a fresh aegis_replay_cache (a "replay" vector twice),
 * the verified object read back through its accessors.
 * For each "svid" vector: aegis_svid_verify of its chain against its bundle (and trust domain) at
 * its time; a valid chain's JSON names the expected SPIFFE ID, an invalid one's error message
 * holds the expected "detail" when the vector gives one.
 * For each "gateway" vector: aegis_gateway_check of its chain, bundle, policy and EAR key at its
 * time: allowed or not, exactly the expected denials (name and code, in order) and headers.
 * An unknown kind fails.
 *
 * Usage: test_manifest [testdata-dir]   (default: testdata)
 * Last line: "N passed, N failed"; exit status 1 on any failure.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aegis.h"
#include "json.h"
#include "util.h"

/* STATUS_NAMES: every status name with the constant the header gives it, to check codes
 * independently of the library's own name table (generated from the core's error table). */
#include "status_names.h"

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

/* aegis_verified_quote_pcrs_read: the size from a (NULL, 0) query, a buffer one byte short
 * refused with the same size, and the records of a buffer of that size equal, one by one, to
 * what aegis_verified_quote_pcr_at gives for each of the n PCRs. */
static void check_pcrs_read(outcome *o, const aegis_verified_quote *vq, size_t n) {
    size_t need = 0, again = 0, written = 0, at = 0, i;
    uint8_t *buf;

    if (aegis_verified_quote_pcrs_read(vq, NULL, 0, &need) != AEGIS_INVALID_ARGUMENT || need < 4 * n) {
        set_problem(o, "%s", "aegis_verified_quote_pcrs_read size query failed");
        return;
    }
    buf = malloc(need);
    if (!buf) {
        set_problem(o, "%s", "out of memory");
        return;
    }
    if (aegis_verified_quote_pcrs_read(vq, buf, need - 1, &again) != AEGIS_INVALID_ARGUMENT || again != need) {
        set_problem(o, "%s", "aegis_verified_quote_pcrs_read accepted a buffer one byte short");
    } else if (aegis_verified_quote_pcrs_read(vq, buf, need, &written) != AEGIS_OK || written != need) {
        set_problem(o, "%s", "aegis_verified_quote_pcrs_read failed with the size it asked for");
    } else {
        for (i = 0; i < n; i++) {
            uint16_t alg;
            uint8_t index;
            const uint8_t *value;
            size_t value_len;
            if (aegis_verified_quote_pcr_at(vq, i, &alg, &index, &value, &value_len) != AEGIS_OK ||
                need - at < 4 + value_len || buf[at] != (uint8_t)(alg >> 8) || buf[at + 1] != (uint8_t)alg ||
                buf[at + 2] != index || buf[at + 3] != value_len || memcmp(buf + at + 4, value, value_len) != 0) {
                set_problem(o, "%s", "a record of aegis_verified_quote_pcrs_read differs from aegis_verified_quote_pcr_at");
                break;
            }
            at += 4 + value_len;
        }
        if (i == n && at != need) set_problem(o, "%s", "aegis_verified_quote_pcrs_read wrote more than the records");
    }
    free(buf);
}

/* aegis_verified_quote_read: the records equal aegis_verified_quote_pcrs_read's, and each member
 * of the info equals what its single accessor gives. */
static void check_quote_read(outcome *o, const aegis_verified_quote *vq, size_t n) {
    size_t need = 0, written = 0, again = 0, signer_len = 0;
    uint8_t *buf = NULL, *expect = NULL;
    aegis_verified_quote_info info;
    const uint8_t *signer = NULL;
    uint64_t clock = 0, fw = 0;
    uint32_t reset = 0, restart = 0;
    uint16_t hash = 0;
    bool safe = false;

    if (aegis_verified_quote_read(vq, &info, NULL, 0, &need) != AEGIS_INVALID_ARGUMENT || need < 4 * n) {
        set_problem(o, "%s", "aegis_verified_quote_read size query failed");
        return;
    }
    buf = malloc(need);
    expect = malloc(need);
    if (!buf || !expect) {
        set_problem(o, "%s", "out of memory");
    } else if (aegis_verified_quote_read(vq, &info, buf, need, &written) != AEGIS_OK || written != need ||
               aegis_verified_quote_pcrs_read(vq, expect, need, &again) != AEGIS_OK ||
               memcmp(buf, expect, need) != 0) {
        set_problem(o, "%s", "aegis_verified_quote_read records differ from aegis_verified_quote_pcrs_read");
    } else if (aegis_verified_quote_clock(vq, &clock, &reset, &restart, &safe) != AEGIS_OK ||
               aegis_verified_quote_firmware_version(vq, &fw) != AEGIS_OK ||
               aegis_verified_quote_hash(vq, &hash) != AEGIS_OK ||
               aegis_verified_quote_qualified_signer(vq, &signer, &signer_len) != AEGIS_OK ||
               info.clock.clock_ms != clock || info.clock.reset_count != reset ||
               info.clock.restart_count != restart || info.clock.safe != safe || info.firmware_version != fw ||
               info.hash_alg != hash || info.pcr_count != n || info.qualified_signer_len != signer_len ||
               memcmp(info.qualified_signer, signer, signer_len) != 0) {
        set_problem(o, "%s", "aegis_verified_quote_read info differs from the single accessors");
    }
    free(buf);
    free(expect);
}

/* aegis_verified_certification_read: each member equals what its single accessor gives. */
static void check_certification_read(outcome *o, const aegis_verified_certification *vc) {
    aegis_verified_certification_info info;
    const uint8_t *name, *qname, *signer, *pub;
    size_t name_n, qname_n, signer_n, pub_n;
    uint64_t clock = 0, fw = 0;
    uint32_t reset = 0, restart = 0;
    bool safe = false;

    if (aegis_verified_certification_read(vc, &info) != AEGIS_OK ||
        aegis_verified_certification_name(vc, &name, &name_n) != AEGIS_OK ||
        aegis_verified_certification_qualified_name(vc, &qname, &qname_n) != AEGIS_OK ||
        aegis_verified_certification_qualified_signer(vc, &signer, &signer_n) != AEGIS_OK ||
        aegis_verified_certification_public(vc, &pub, &pub_n) != AEGIS_OK ||
        aegis_verified_certification_clock(vc, &clock, &reset, &restart, &safe) != AEGIS_OK ||
        aegis_verified_certification_firmware_version(vc, &fw) != AEGIS_OK) {
        set_problem(o, "%s", "aegis_verified_certification_read or an accessor failed");
        return;
    }
    if (info.name_len != name_n || memcmp(info.name, name, name_n) != 0 || info.qualified_name_len != qname_n ||
        memcmp(info.qualified_name, qname, qname_n) != 0 || info.qualified_signer_len != signer_n ||
        memcmp(info.qualified_signer, signer, signer_n) != 0 || info.public_area_len != pub_n ||
        memcmp(info.public_area, pub, pub_n) != 0 || info.clock.clock_ms != clock ||
        info.clock.reset_count != reset || info.clock.restart_count != restart || info.clock.safe != safe ||
        info.firmware_version != fw) {
        set_problem(o, "%s", "aegis_verified_certification_read differs from the single accessors");
    }
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
        check_pcrs_read(o, vq, n);
        check_quote_read(o, vq, n);
        /* The signed selection: the same (bank, index) pairs as the PCR values, in order. */
        if (aegis_verified_quote_selection_count(vq) != n) set_problem(o, "%s", "selection count differs from pcr count");
        for (i = 0; i < n; i++) {
            uint16_t alg = 0, sel_bank = 0;
            uint8_t index = 0, sel_index = 0;
            const uint8_t *value;
            size_t value_len;
            if (aegis_verified_quote_selection_at(vq, i, &sel_bank, &sel_index) != AEGIS_OK ||
                aegis_verified_quote_pcr_at(vq, i, &alg, &index, &value, &value_len) != AEGIS_OK ||
                sel_bank != alg || sel_index != index) {
                set_problem(o, "%s", "selection_at disagrees with pcr_at");
                break;
            }
        }
        {
            uint16_t sel_bank = 0xFFFF, hash = 0;
            uint8_t sel_index = 0xFF;
            const uint8_t *signer_p;
            size_t signer_n;
            if (aegis_verified_quote_selection_at(vq, n, &sel_bank, &sel_index) != AEGIS_INVALID_ARGUMENT ||
                sel_bank != 0xFFFF || sel_index != 0xFF) {
                set_problem(o, "%s", "selection_at out of range is not a usage error with outputs untouched");
            }
            if (aegis_verified_quote_qualified_signer(vq, &signer_p, &signer_n) != AEGIS_OK) {
                set_problem(o, "%s", "qualified_signer accessor failed");
            } else {
                check_hex(o, v, "ak_qualified_name", signer_p, signer_n);
            }
            if (aegis_verified_quote_hash(vq, &hash) != AEGIS_OK ||
                !(hash == AEGIS_ALG_SHA1 || hash == AEGIS_ALG_SHA256 || hash == AEGIS_ALG_SHA384 ||
                  hash == AEGIS_ALG_SHA512)) {
                set_problem(o, "%s", "hash accessor failed");
            }
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
        check_certification_read(o, vc);
        if (aegis_verified_certification_name(vc, &p, &n) != AEGIS_OK) set_problem(o, "%s", "name accessor failed");
        else check_hex(o, v, "key_name", p, n);
        if (aegis_verified_certification_public(vc, &p, &n) != AEGIS_OK || n < 2 || (size_t)(p[0] << 8 | p[1]) != n - 2) {
            set_problem(o, "%s", "public accessor failed or is not a TPM2B_PUBLIC");
        } else if (!((n == key_len && memcmp(p, key, n) == 0) || (n - 2 == key_len && memcmp(p + 2, key, key_len) == 0))) {
            set_problem(o, "%s", "certified public area differs from the key file");
        }
        if (aegis_verified_certification_qualified_signer(vc, &p, &n) != AEGIS_OK) {
            set_problem(o, "%s", "qualified_signer accessor failed");
        } else {
            check_hex(o, v, "ak_qualified_name", p, n);
        }
        {
            const uint8_t *name_p;
            size_t name_n;
            uint64_t clock, fw;
            uint32_t reset, restart;
            bool safe;
            aegis_bytes *spki = NULL;
            aegis_public_key *pk = NULL;
            aegis_bytes *again = NULL;
            /* The qualified Name has the Name's algorithm and size, and is not the Name. */
            if (aegis_verified_certification_qualified_name(vc, &p, &n) != AEGIS_OK ||
                aegis_verified_certification_name(vc, &name_p, &name_n) != AEGIS_OK || n != name_n ||
                memcmp(p, name_p, 2) != 0 || memcmp(p, name_p, n) == 0) {
                set_problem(o, "%s", "qualified_name accessor failed or has the wrong shape");
            }
            if (aegis_verified_certification_clock(vc, &clock, &reset, &restart, &safe) != AEGIS_OK ||
                aegis_verified_certification_firmware_version(vc, &fw) != AEGIS_OK) {
                set_problem(o, "%s", "clock or firmware accessor failed");
            }
            /* The SPKI is DER and reads back as the same key. */
            if (aegis_verified_certification_spki(vc, &spki, &o->err) != AEGIS_OK || aegis_bytes_len(spki) < 2 ||
                aegis_bytes_ptr(spki)[0] != 0x30 ||
                aegis_public_key_from_spki(aegis_bytes_ptr(spki), aegis_bytes_len(spki), &pk, NULL) != AEGIS_OK ||
                aegis_public_key_to_spki_der(pk, &again, NULL) != AEGIS_OK ||
                aegis_bytes_len(again) != aegis_bytes_len(spki) ||
                memcmp(aegis_bytes_ptr(again), aegis_bytes_ptr(spki), aegis_bytes_len(spki)) != 0) {
                set_problem(o, "%s", "spki accessor failed or does not round-trip");
            }
            aegis_bytes_free(again);
            aegis_public_key_free(pk);
            aegis_bytes_free(spki);
        }
    }
done:
    aegis_verified_certification_free(vc);
    aegis_certify_policy_free(policy);
    aegis_ak_free(ak);
    free(ak_buf); free(key); free(attest); free(sig); free(nonce); free(signer);
}

/* The AegisSovereignAI PoC flow (make_poc_vectors.py): the SovereignAttestation's certify for the
 * nonce's hex text, the quote over sha256:15, then the PCR 15 log against the quote. */
static void run_poc(outcome *o, const char *dir, const json *v) {
    uint8_t *ak_buf = NULL, *bundle = NULL, *attest = NULL, *sig = NULL, *pcr_buf = NULL, *log_buf = NULL, *nonce = NULL;
    size_t ak_len = 0, bundle_len = 0, attest_len = 0, sig_len = 0, pcr_len = 0, log_len = 0, nonce_len = 0;
    const char *nonce_hex = json_str(json_get(v, "nonce"));
    aegis_ak *ak = NULL;
    aegis_sovereign_attestation *sa = NULL;
    aegis_verified_certification *vc = NULL;
    aegis_pcrs *pcrs = NULL;
    aegis_quote_policy *policy = NULL;
    aegis_verified_quote *vq = NULL;
    aegis_poc_location_log *log = NULL;
    aegis_string *current = NULL, *json_out = NULL;

    if (!load(o, dir, v, "ak", &ak_buf, &ak_len) || !load(o, dir, v, "bundle", &bundle, &bundle_len) ||
        !load(o, dir, v, "attest", &attest, &attest_len) || !load(o, dir, v, "signature", &sig, &sig_len) ||
        !load(o, dir, v, "pcrs", &pcr_buf, &pcr_len) || !load(o, dir, v, "location_log", &log_buf, &log_len) ||
        !hex_field(o, v, "nonce", &nonce, &nonce_len)) {
        goto done;
    }
    if ((o->status = aegis_ak_from_tpm_public(ak_buf, ak_len, &ak, &o->err)) != AEGIS_OK) goto done;
    if ((o->status = aegis_sovereign_attestation_parse(bundle, bundle_len, &sa, &o->err)) != AEGIS_OK) goto done;
    {
        const uint8_t *p;
        size_t n;
        if (aegis_sovereign_attestation_member(sa, AEGIS_SOVEREIGN_CHALLENGE_NONCE, &p, &n) != AEGIS_OK || n == 0 ||
            aegis_sovereign_attestation_member(sa, 99, &p, &n) != AEGIS_INVALID_ARGUMENT ||
            aegis_sovereign_attestation_to_json(sa, &json_out) != AEGIS_OK || aegis_string_len(json_out) == 0) {
            set_problem(o, "%s", "SovereignAttestation accessors failed");
            goto done;
        }
    }
    o->status = aegis_sovereign_attestation_verify(ak, sa, nonce_hex, strlen(nonce_hex), NULL, &vc, &o->err);
    if (o->status != AEGIS_OK) goto done;
    if ((o->status = aegis_pcrs_parse(pcr_buf, pcr_len, &pcrs, &o->err)) != AEGIS_OK) goto done;
    if (aegis_quote_policy_new(&policy) != AEGIS_OK) { set_problem(o, "%s", "policy_new failed"); goto done; }
    if ((o->status = aegis_quote_policy_require_pcr(policy, AEGIS_ALG_SHA256, 15, &o->err)) != AEGIS_OK) goto done;
    o->status = aegis_quote_verify(ak, attest, attest_len, sig, sig_len, pcrs, nonce, nonce_len, policy, &vq, &o->err);
    if (o->status != AEGIS_OK) goto done;
    if ((o->status = aegis_poc_location_log_parse(log_buf, log_len, &log, &o->err)) != AEGIS_OK) goto done;
    o->status = aegis_poc_location_verify(log, vq, nonce_hex, strlen(nonce_hex), &current, &o->err);
    if (o->status == AEGIS_OK) {
        uint8_t replayed[32], small[31];
        const char *cur = aegis_string_ptr(current);
        if (aegis_poc_location_log_replay(log, replayed, sizeof replayed) != AEGIS_OK ||
            aegis_poc_location_log_replay(log, small, sizeof small) != AEGIS_INVALID_ARGUMENT) {
            set_problem(o, "%s", "aegis_poc_location_log_replay failed");
        }
        if (!strstr(cur, "\"tpm_pcr_index\":15")) set_problem(o, "current claims lack tpm_pcr_index: %s", cur);
        {
            /* The same check against the verified PCR 15 value, and without one. */
            uint16_t bank;
            uint8_t index;
            const uint8_t *value;
            size_t value_len;
            aegis_string *again = NULL;
            aegis_error *e = NULL;
            if (aegis_verified_quote_pcr_at(vq, 0, &bank, &index, &value, &value_len) != AEGIS_OK || index != 15 ||
                aegis_poc_location_log_check(log, value, value_len, nonce_hex, strlen(nonce_hex), &again, NULL) !=
                    AEGIS_OK ||
                strcmp(aegis_string_ptr(again), cur) != 0 ||
                aegis_poc_location_log_check(log, NULL, 0, nonce_hex, strlen(nonce_hex), &again, &e) !=
                    AEGIS_REQUIRED_PCR_MISSING ||
                aegis_error_code(e) != AEGIS_REQUIRED_PCR_MISSING) {
                set_problem(o, "%s", "aegis_poc_location_log_check disagrees with aegis_poc_location_verify");
            }
            aegis_error_free(e);
            aegis_string_free(again);
        }
    }
done:
    aegis_string_free(current);
    aegis_string_free(json_out);
    aegis_poc_location_log_free(log);
    aegis_verified_quote_free(vq);
    aegis_quote_policy_free(policy);
    aegis_pcrs_free(pcrs);
    aegis_verified_certification_free(vc);
    aegis_sovereign_attestation_free(sa);
    aegis_ak_free(ak);
    free(ak_buf); free(bundle); free(attest); free(sig); free(pcr_buf); free(log_buf); free(nonce);
}

static void run_inspect(outcome *o, const char *dir, const json *v) {
    uint8_t *buf = NULL;
    size_t len = 0;
    aegis_string *text = NULL;
    const char *structure = json_str(json_get(v, "structure"));
    if (!load(o, dir, v, "file", &buf, &len)) goto done;
    o->status = aegis_inspect(buf, len, structure, &text, &o->err);
    if (o->status == AEGIS_OK) {
        const char *t = aegis_string_ptr(text);
        size_t n = aegis_string_len(text);
        if (n < 2 || strlen(t) != n || t[0] != '{' || t[n - 1] != '}') {
            set_problem(o, "%s", "inspect JSON is not an object");
        } else {
            char jerr[128] = "";
            json *parsed = json_parse(t, n, jerr, sizeof jerr);
            if (!parsed) set_problem(o, "inspect JSON does not parse: %s", jerr);
            json_free(parsed);
        }
    }
done:
    aegis_string_free(text);
    free(buf);
}

/* A JSON number's value, or NaN. */
static double number(const json *j) {
    return j && j->type == JSON_NUMBER ? strtod(j->text, NULL) : NAN;
}

/* A jurisdiction vector: aegis_geo_resolve, and every accessor against the expected resolution. */
static void run_jurisdiction(outcome *o, const json *v) {
    aegis_resolution *r = NULL;
    const json *want = json_get(json_get(v, "expect"), "resolution");
    o->status = aegis_geo_resolve(number(json_get(v, "latitude")), number(json_get(v, "longitude")),
                                  number(json_get(v, "accuracy_m")), &r, &o->err);
    if (o->status == AEGIS_OK) {
        const char *status = json_str(json_get(want, "status"));
        const json *subs = json_get(want, "subdivision_candidates");
        const json *cands = json_get(want, "candidates");
        const char *sub = json_str(json_get(want, "subdivision"));
        const char *enclosing = json_str(json_get(want, "enclosing_exclave_country"));
        aegis_resolution_kind want_status = !status                       ? 0
                                              : strcmp(status, "resolved") == 0  ? AEGIS_RESOLUTION_RESOLVED
                                              : strcmp(status, "ambiguous") == 0 ? AEGIS_RESOLUTION_AMBIGUOUS
                                                                                 : AEGIS_RESOLUTION_UNRESOLVED;
        size_t n_subs = subs ? subs->count : 0, n_cands = cands ? cands->count : 0, i;
        char jerr[128] = "";
        const char *text = aegis_resolution_json(r);
        json *parsed = json_parse(text, strlen(text), jerr, sizeof jerr);
        if (aegis_resolution_status(r) != want_status) set_problem(o, "status is not %s", status ? status : "?");
        else if (strcmp(aegis_resolution_country(r), json_str(json_get(want, "country")) ? json_str(json_get(want, "country")) : "") != 0)
            set_problem(o, "country %s", aegis_resolution_country(r));
        else if (strcmp(aegis_resolution_subdivision(r), sub ? sub : "") != 0)
            set_problem(o, "subdivision %s", aegis_resolution_subdivision(r));
        else if (aegis_resolution_subdivision_candidate_count(r) != n_subs ||
                 aegis_resolution_candidate_count(r) != n_cands)
            set_problem(o, "%s", "candidate counts differ");
        else if (aegis_resolution_country_exclave(r) != json_bool(json_get(want, "country_exclave"), 0))
            set_problem(o, "%s", "country_exclave differs");
        else if (strcmp(aegis_resolution_enclosing_exclave_country(r), enclosing ? enclosing : "") != 0)
            set_problem(o, "enclosing country %s", aegis_resolution_enclosing_exclave_country(r));
        else if (!parsed || !json_str(json_get(parsed, "status")) || strcmp(json_str(json_get(parsed, "status")), status) != 0)
            set_problem(o, "resolution JSON %s", text);
        for (i = 0; i < n_subs && !o->problem[0]; i++)
            if (strcmp(aegis_resolution_subdivision_candidate_at(r, i), json_str(subs->items[i])) != 0)
                set_problem(o, "subdivision candidate %s differs", aegis_resolution_subdivision_candidate_at(r, i));
        for (i = 0; i < n_cands && !o->problem[0]; i++)
            if (strcmp(aegis_resolution_candidate_at(r, i), json_str(json_get(cands->items[i], "country"))) != 0)
                set_problem(o, "candidate %s differs", aegis_resolution_candidate_at(r, i));
        if (!o->problem[0] && aegis_resolution_candidate_at(r, n_cands)[0] != '\0')
            set_problem(o, "%s", "a candidate past the end");
        json_free(parsed);
    }
    aegis_resolution_free(r);
}

/* An EAR token vector (testdata/gen/make_ear_vectors.py): aegis_ear_verify with the vector's
 * key, time, nonce and allow-list; a valid token's claims JSON must parse. */
static void run_ear(outcome *o, const char *dir, const json *v) {
    uint8_t *key_buf = NULL, *token = NULL, *nonce = NULL;
    size_t key_len = 0, token_len = 0, nonce_len = 0, i;
    uint64_t now = 0;
    aegis_ear_algs algs = 0;
    aegis_public_key *key = NULL;
    aegis_ear *ear = NULL;
    aegis_string *claims = NULL;
    const json *list = json_get(v, "algorithms");
    if (!load(o, dir, v, "key", &key_buf, &key_len) || !load(o, dir, v, "token", &token, &token_len)) goto done;
    if (!json_u64(json_get(v, "time"), &now)) { set_problem(o, "%s", "bad time"); goto done; }
    if (json_get(v, "nonce") && !hex_field(o, v, "nonce", &nonce, &nonce_len)) goto done;
    for (i = 0; list && i < list->count; i++) {
        const char *a = json_str(list->items[i]);
        if (a && strcmp(a, "ES256") == 0) algs |= AEGIS_EAR_ALG_ES256;
        else if (a && strcmp(a, "ES384") == 0) algs |= AEGIS_EAR_ALG_ES384;
        else if (a && strcmp(a, "PS256") == 0) algs |= AEGIS_EAR_ALG_PS256;
        else { set_problem(o, "unknown algorithm %s", a ? a : "?"); goto done; }
    }
    if (aegis_public_key_from_spki(key_buf, key_len, &key, NULL) != AEGIS_OK) {
        set_problem(o, "%s", "the vector's key does not load");
        goto done;
    }
    o->status = aegis_ear_verify(key, token, token_len, now, nonce, nonce_len, algs, &ear, &o->err);
    if (o->status == AEGIS_OK) {
        aegis_ear_dialect dialect = 99;
        uint8_t is_cwt = 9;
        char jerr[128] = "";
        json *parsed = NULL;
        if (aegis_ear_format(ear, &dialect, &is_cwt) != AEGIS_OK || dialect > AEGIS_EAR_DIALECT_VERAISON ||
            is_cwt > 1) {
            set_problem(o, "%s", "aegis_ear_format failed");
        } else if (aegis_ear_claims_json(ear, &claims, NULL) != AEGIS_OK) {
            set_problem(o, "%s", "aegis_ear_claims_json failed");
        } else if (!(parsed = json_parse(aegis_string_ptr(claims), aegis_string_len(claims), jerr, sizeof jerr)) ||
                   !json_get(parsed, "submods")) {
            set_problem(o, "claims JSON: %s", jerr[0] ? jerr : "no submods");
        }
        json_free(parsed);
    }
done:
    aegis_string_free(claims);
    aegis_ear_free(ear);
    aegis_public_key_free(key);
    free(key_buf);
    free(token);
    free(nonce);
}

/* A (ptr, len) view of an optional manifest text member (NULL, 0 when absent). */
static const uint8_t *text_member(const json *v, const char *key, size_t *len) {
    const char *t = json_str(json_get(v, key));
    *len = t ? strlen(t) : 0;
    return (const uint8_t *)t;
}

/* A "proof" vector: the EAR verified with its key at the vector's time, then the DPoR, DPoG or WPT
 * verified against it with a fresh replay cache (twice for "replay": the first must pass). The
 * verified object's accessors are checked on success. */
static void run_proof(outcome *o, const char *dir, const json *v) {
    uint8_t *key_buf = NULL, *ear_buf = NULL, *token = NULL;
    size_t key_len = 0, ear_len = 0, token_len = 0, i, round;
    uint64_t now = 0, ear_max_age = 0;
    char countries[64] = "";
    aegis_public_key *key = NULL;
    aegis_ear *ear = NULL;
    aegis_replay_cache *cache = NULL;
    const char *proof = json_str(json_get(v, "proof"));
    const json *list = json_get(v, "allowed_countries");
    int replay = json_bool(json_get(v, "replay"), 0);
    if (!proof) { set_problem(o, "%s", "no proof"); return; }
    if (!load(o, dir, v, "ear_key", &key_buf, &key_len) || !load(o, dir, v, "ear", &ear_buf, &ear_len) ||
        !load(o, dir, v, "token", &token, &token_len))
        goto done;
    if (!json_u64(json_get(v, "time"), &now) || !json_u64(json_get(v, "ear_max_age"), &ear_max_age)) {
        set_problem(o, "%s", "bad time or ear_max_age");
        goto done;
    }
    for (i = 0; list && i < list->count; i++) {
        const char *c = json_str(list->items[i]);
        if (!c || strlen(countries) + strlen(c) + 2 > sizeof countries) { set_problem(o, "%s", "bad countries"); goto done; }
        if (i) strcat(countries, ",");
        strcat(countries, c);
    }
    if (aegis_public_key_from_spki(key_buf, key_len, &key, NULL) != AEGIS_OK ||
        aegis_ear_verify(key, ear_buf, ear_len, now, NULL, 0, 0, &ear, NULL) != AEGIS_OK ||
        aegis_replay_cache_new(64, &cache) != AEGIS_OK) {
        set_problem(o, "%s", "the vector's EAR, its key or the cache does not load");
        goto done;
    }
    for (round = replay ? 0 : 1; round < 2; round++) {
        aegis_error_free(o->err);
        o->err = NULL;
        if (strcmp(proof, "wpt") == 0) {
            aegis_wpt_policy p;
            aegis_verified_wpt *w = NULL;
            memset(&p, 0, sizeof p);
            p.aud = text_member(v, "aud", &p.aud_len);
            p.wit = text_member(v, "wit", &p.wit_len);
            p.wit_jkt = text_member(v, "wit_jkt", &p.wit_jkt_len);
            p.now = now;
            o->status = aegis_wpt_verify(&p, token, token_len, ear, ear_max_age, cache, &w, &o->err);
            if (o->status == AEGIS_OK &&
                (!aegis_verified_wpt_jkt(w) || !aegis_verified_wpt_jti(w) || aegis_verified_wpt_exp(w) <= now))
                set_problem(o, "%s", "verified WPT accessors");
            aegis_verified_wpt_free(w);
        } else {
            aegis_proof_policy p;
            aegis_verified_proof *vp = NULL;
            memset(&p, 0, sizeof p);
            p.kind = strcmp(proof, "dpog") == 0 ? AEGIS_PROOF_DPOG : AEGIS_PROOF_DPOR;
            p.htm = text_member(v, "htm", &p.htm_len);
            p.htu = text_member(v, "htu", &p.htu_len);
            p.nonce = text_member(v, "nonce", &p.nonce_len);
            p.access_token = text_member(v, "access_token", &p.access_token_len);
            p.cnf_jkt = text_member(v, "cnf_jkt", &p.cnf_jkt_len);
            p.allowed_countries = (const uint8_t *)countries;
            p.allowed_countries_len = strlen(countries);
            p.now = now;
            o->status = aegis_proof_verify(&p, token, token_len, ear, ear_max_age, cache, &vp, &o->err);
            if (o->status == AEGIS_OK &&
                (aegis_verified_proof_kind(vp) != p.kind || !aegis_verified_proof_jkt(vp) ||
                 !aegis_verified_proof_jti(vp) || aegis_verified_proof_iat(vp) == 0 ||
                 aegis_verified_proof_alg(vp) == 0 ||
                 (aegis_verified_proof_location_json(vp) != NULL) != (p.kind == AEGIS_PROOF_DPOG)))
                set_problem(o, "%s", "verified proof accessors");
            aegis_verified_proof_free(vp);
        }
        if (round == 0 && o->status != AEGIS_OK) { set_problem(o, "%s", "first verification of a replay failed"); break; }
    }
done:
    aegis_replay_cache_free(cache);
    aegis_ear_free(ear);
    aegis_public_key_free(key);
    free(key_buf);
    free(ear_buf);
    free(token);
}

/* An "svid" vector (testdata/gen/make_svid_vectors.py): aegis_svid_verify at the vector's time,
 * restricted to its trust domain when it names one; the caller checks the status and error. */
static void run_svid(outcome *o, const char *dir, const json *v) {
    uint8_t *chain = NULL, *bundle = NULL;
    size_t chain_len = 0, bundle_len = 0, td_len = 0;
    uint64_t now = 0;
    aegis_string *out = NULL;
    const uint8_t *td = text_member(v, "trust_domain", &td_len);
    const json *expect = json_get(v, "expect");
    const char *detail = json_str(json_get(expect, "detail"));
    if (!load(o, dir, v, "chain", &chain, &chain_len) || !load(o, dir, v, "bundle", &bundle, &bundle_len)) goto done;
    if (!json_u64(json_get(v, "time"), &now)) { set_problem(o, "%s", "bad time"); goto done; }
    o->status = aegis_svid_verify(chain, chain_len, bundle, bundle_len, td, td_len, now, &out, &o->err);
    if (o->status == AEGIS_OK) {
        char jerr[128] = "";
        json *parsed = json_parse(aegis_string_ptr(out), aegis_string_len(out), jerr, sizeof jerr);
        const char *id = json_str(json_get(parsed, "spiffe_id"));
        const char *want = json_str(json_get(expect, "spiffe_id"));
        if (!id || !want || strcmp(id, want) != 0) set_problem(o, "SPIFFE ID %s", id ? id : "(none)");
        json_free(parsed);
    } else if (detail && (!o->err || strstr(aegis_error_message(o->err), detail) == NULL)) {
        set_problem(o, "the error message lacks \"%s\"", detail);
    }
done:
    aegis_string_free(out);
    free(chain);
    free(bundle);
}

/* A "gateway" vector (docs/gateway.md): aegis_gateway_check on the chain with the vector's bundle,
 * policy and EAR key at its time (no network verifier). The decision must be the expected verdict
 * with exactly the expected denials (name and code, in order) and the expected headers (none when
 * it denies). A denial is a decision: the call itself must succeed. */
static void run_gateway(outcome *o, const char *dir, const json *v) {
    uint8_t *chain = NULL, *bundle = NULL, *policy = NULL, *key_pem = NULL;
    size_t chain_len = 0, bundle_len = 0, policy_len = 0, key_len = 0, i, denied = 0;
    uint64_t now = 0;
    bool allowed = false;
    aegis_public_key *key = NULL;
    aegis_string *out = NULL;
    json *decision = NULL;
    const json *expect = json_get(v, "expect");
    const char *verdict = json_str(json_get(expect, "verdict"));
    const json *want_denials = json_get(expect, "denials");
    const json *want_codes = json_get(expect, "codes");
    const json *want_headers = json_get(expect, "headers");
    const json *reasons, *headers;
    char jerr[128] = "";
    if (!verdict || !load(o, dir, v, "chain", &chain, &chain_len) ||
        !load(o, dir, v, "bundle", &bundle, &bundle_len) || !load(o, dir, v, "policy", &policy, &policy_len) ||
        !load(o, dir, v, "ear_key", &key_pem, &key_len) || !json_u64(json_get(v, "time"), &now)) {
        set_problem(o, "%s", "bad gateway entry");
        goto done;
    }
    if (aegis_public_key_from_spki(key_pem, key_len, &key, NULL) != AEGIS_OK) {
        set_problem(o, "%s", "the vector's EAR key does not load");
        goto done;
    }
    o->status = aegis_gateway_check(chain, chain_len, bundle, bundle_len, policy, policy_len, key, NULL, now,
                                    &out, &allowed, &o->err);
    if (o->status != AEGIS_OK) { set_problem(o, "%s", "aegis_gateway_check failed"); goto done; }
    if (allowed != (strcmp(verdict, "allow") == 0)) { set_problem(o, "expected %s", verdict); goto done; }
    decision = json_parse(aegis_string_ptr(out), aegis_string_len(out), jerr, sizeof jerr);
    reasons = json_get(decision, "reasons");
    headers = json_get(decision, "headers");
    if (!reasons || reasons->type != JSON_ARRAY || !headers || headers->type != JSON_OBJECT) {
        set_problem(o, "decision JSON: %s", jerr[0] ? jerr : "no reasons or headers");
        goto done;
    }
    for (i = 0; i < reasons->count; i++) {
        const json *r = reasons->items[i];
        const char *name = json_str(json_get(r, "name")), *want_name;
        uint64_t code = 0, want_code = 0;
        aegis_status constant = 0;
        if (!name) continue; /* passed or skipped */
        if (!want_denials || !want_codes || denied >= want_denials->count || denied >= want_codes->count) {
            set_problem(o, "unexpected denial %s", name);
            goto done;
        }
        want_name = json_str(want_denials->items[denied]);
        if (!want_name || !json_u64(json_get(r, "code"), &code) || !json_u64(want_codes->items[denied], &want_code) ||
            code != want_code || strcmp(name, want_name) != 0 || !status_of(name, &constant) || constant != code) {
            set_problem(o, "denial %s differs", name);
            goto done;
        }
        denied++;
    }
    if (denied != (want_denials ? want_denials->count : 0)) {
        set_problem(o, "%s", "fewer denials than expected");
        goto done;
    }
    if (headers->count != (want_headers ? want_headers->count : 0)) {
        set_problem(o, "%s", "another number of headers");
        goto done;
    }
    for (i = 0; i < headers->count; i++) {
        const char *got = json_str(headers->items[i]);
        const char *want = json_str(json_get(want_headers, headers->keys[i]));
        if (!got || !want || strcmp(got, want) != 0) {
            set_problem(o, "header %s differs", headers->keys[i]);
            goto done;
        }
    }
done:
    json_free(decision);
    aegis_string_free(out);
    aegis_public_key_free(key);
    free(chain);
    free(bundle);
    free(policy);
    free(key_pem);
}

/* An EK vector's files. */
typedef struct {
    uint8_t *cert, *pub;
    size_t cert_len, pub_len;
    aegis_ek_trust_store *store;
    uint64_t time;
} ek_files;

static void ek_files_free(ek_files *f) {
    free(f->cert);
    free(f->pub);
    aegis_ek_trust_store_free(f->store);
    memset(f, 0, sizeof *f);
}

static int add_cas(outcome *o, const char *dir, const json *list, aegis_ek_trust_store *store, int root) {
    size_t i;
    for (i = 0; list && list->type == JSON_ARRAY && i < list->count; i++) {
        uint8_t *buf = NULL;
        size_t len = 0;
        const char *rel = json_str(list->items[i]);
        if (!rel || !read_file(dir, rel, &buf, &len)) { set_problem(o, "cannot read CA %s", rel ? rel : "?"); return 0; }
        o->status = root ? aegis_ek_trust_store_add_root(store, buf, len, &o->err)
                         : aegis_ek_trust_store_add_intermediate(store, buf, len, &o->err);
        free(buf);
        if (o->status != AEGIS_OK) return 0;
    }
    return 1;
}

static int ek_load(outcome *o, const char *dir, const json *v, ek_files *f) {
    memset(f, 0, sizeof *f);
    if (!load(o, dir, v, "ek_cert", &f->cert, &f->cert_len) || !load(o, dir, v, "ek_pub", &f->pub, &f->pub_len)) return 0;
    if (!json_u64(json_get(v, "verify_time"), &f->time)) { set_problem(o, "%s", "bad verify_time"); return 0; }
    if (aegis_ek_trust_store_new(&f->store) != AEGIS_OK) { set_problem(o, "%s", "trust_store_new failed"); return 0; }
    if (!add_cas(o, dir, json_get(v, "ca_roots"), f->store, 1) ||
        !add_cas(o, dir, json_get(v, "ca_intermediates"), f->store, 0)) {
        return 0;
    }
    {
        const json *roots = json_get(v, "ca_roots"), *inter = json_get(v, "ca_intermediates");
        size_t want_roots = roots && roots->type == JSON_ARRAY ? roots->count : 0;
        size_t want_inter = inter && inter->type == JSON_ARRAY ? inter->count : 0;
        if (aegis_ek_trust_store_root_count(f->store) != want_roots ||
            aegis_ek_trust_store_intermediate_count(f->store) != want_inter) {
            set_problem(o, "%s", "trust store counts differ from the CAs added");
        }
    }
    return 1;
}

static void run_ek(outcome *o, const char *dir, const json *v) {
    ek_files f;
    aegis_verified_ek *vek = NULL;
    if (ek_load(o, dir, v, &f)) {
        o->status = aegis_ek_verify(f.store, f.cert, f.cert_len, f.pub, f.pub_len, f.time, &vek, &o->err);
    }
    if (o->status == AEGIS_OK && vek) {
        const uint8_t *p;
        size_t n;
        if (aegis_verified_ek_name(vek, &p, &n) != AEGIS_OK) set_problem(o, "%s", "name accessor failed");
        else check_hex(o, v, "ek_name", p, n);
        if (aegis_verified_ek_public(vek, &p, &n) != AEGIS_OK || n < 2 || (size_t)(p[0] << 8 | p[1]) != n - 2) {
            set_problem(o, "%s", "public accessor failed or is not a TPM2B_PUBLIC");
        } else if (!((n == f.pub_len && memcmp(p, f.pub, n) == 0) || (n - 2 == f.pub_len && memcmp(p + 2, f.pub, n - 2) == 0))) {
            set_problem(o, "%s", "verified EK public area differs from the ek_pub file");
        }
        if (strcmp(aegis_verified_ek_issuer(vek), "CN=swtpm-localca") != 0) set_problem(o, "unexpected issuer %s", aegis_verified_ek_issuer(vek));
        (void)strlen(aegis_verified_ek_subject(vek));
        /* The serial (positive, no leading zero octet) and the path: leaf, intermediates, root. */
        if (aegis_verified_ek_serial(vek, &p, &n) != AEGIS_OK || n == 0 || (n > 1 && p[0] == 0)) {
            set_problem(o, "%s", "serial accessor failed");
        }
        {
            const json *inter = json_get(v, "ca_intermediates");
            size_t want_max = 2 + (inter && inter->type == JSON_ARRAY ? inter->count : 0);
            size_t len = aegis_verified_ek_chain_len(vek);
            if (len < 2 || len > want_max) set_problem(o, "%s", "chain_len out of range");
        }
        /* The qualified Name: the Name under the endorsement hierarchy's (the handle). */
        {
            const uint8_t *name_p;
            size_t name_n;
            aegis_bytes *hier = NULL, *qn = NULL;
            static const uint8_t endorsement[4] = {0x40, 0x00, 0x00, 0x0B};
            if (aegis_name_of_handle(AEGIS_ENDORSEMENT_HIERARCHY, &hier, NULL) != AEGIS_OK ||
                aegis_bytes_len(hier) != 4 || memcmp(aegis_bytes_ptr(hier), endorsement, 4) != 0) {
                set_problem(o, "%s", "aegis_name_of_handle(AEGIS_ENDORSEMENT_HIERARCHY) is not 40 00 00 0B");
            } else if (aegis_verified_ek_name(vek, &name_p, &name_n) != AEGIS_OK ||
                       aegis_name_qualified_under(name_p, name_n, aegis_bytes_ptr(hier), aegis_bytes_len(hier), &qn,
                                                  NULL) != AEGIS_OK ||
                       aegis_verified_ek_qualified_name(vek, &p, &n) != AEGIS_OK || n != aegis_bytes_len(qn) ||
                       memcmp(p, aegis_bytes_ptr(qn), n) != 0) {
                set_problem(o, "%s", "qualified_name differs from aegis_name_qualified_under(name, endorsement)");
            }
            aegis_bytes_free(qn);
            aegis_bytes_free(hier);
        }
    }
    aegis_verified_ek_free(vek);
    ek_files_free(&f);
}

/* One negative or extra check made by this test (not a manifest vector). */
static void report(int *passed, int *failed, const char *what, const char *id, aegis_status got,
                   aegis_error *err, aegis_status want, const char *want_name) {
    int ok = got == want && (want == AEGIS_OK || (err && aegis_error_code(err) == want &&
                                                   strcmp(aegis_error_name(err), want_name) == 0));
    if (ok) {
        (*passed)++;
        printf("ok   %-8s %s: %s\n", "ek-neg", id, what);
    } else {
        (*failed)++;
        printf("FAIL %-8s %s: %s: expected %s, got %u %s: %s\n", "ek-neg", id, what, want_name, (unsigned)got,
               err ? aegis_error_name(err) : aegis_status_str(got), err ? aegis_error_message(err) : "");
    }
    aegis_error_free(err);
}

/* One "geofence" vector: the policy from its JSON (an invalid one refused with
 * AEGIS_GEOFENCE_POLICY_INVALID and the JSON path in the error message), then the decision on the
 * reading: allowed or not, and exactly the expected denials' status codes in order (each also
 * checked by name against the header's constants); the rule, message and JSON accessors. The
 * vectors with "needs_jurisdiction" resolve the reading with the offline jurisdiction lookup. */
static void run_geofence(outcome *o, const char *dir, const json *v) {
    const json *expect = json_get(v, "expect");
    const char *verdict = json_str(json_get(expect, "verdict"));
    const json *names = json_get(expect, "denials");
    uint8_t *policy_json = NULL, *location = NULL;
    size_t policy_len = 0, location_len = 0, i, n, denied = 0;
    uint64_t now = 0;
    aegis_geofence_policy *policy = NULL;
    aegis_geofence_decision *decision = NULL;
    if (!verdict || !load(o, dir, v, "geofence_policy", &policy_json, &policy_len) ||
        !load(o, dir, v, "location", &location, &location_len) || !json_u64(json_get(v, "time"), &now)) {
        set_problem(o, "%s", "bad geofence entry");
        goto done;
    }
    o->status = aegis_geofence_policy_from_json(policy_json, policy_len, &policy, &o->err);
    if (strcmp(verdict, "invalid") == 0) {
        const char *path = json_str(json_get(expect, "path"));
        char want[256];
        snprintf(want, sizeof want, "geofence policy invalid at %s:", path ? path : "?");
        if (o->status != AEGIS_GEOFENCE_POLICY_INVALID || !o->err ||
            strstr(aegis_error_message(o->err), want) == NULL || policy != NULL) {
            set_problem(o, "expected a refusal naming %s", path ? path : "?");
        } else {
            aegis_error_free(o->err);
            o->err = NULL;
            o->status = AEGIS_OK;
        }
        goto done;
    }
    if (o->status != AEGIS_OK) { set_problem(o, "%s", "policy refused"); goto done; }
    o->status = aegis_geofence_policy_evaluate(policy, location, location_len, now,
                                               json_bool(json_get(v, "network_verified"), 0), &decision, &o->err);
    if (o->status != AEGIS_OK) { set_problem(o, "%s", "evaluation failed"); goto done; }
    if (aegis_geofence_decision_allowed(decision) != (strcmp(verdict, "allow") == 0)) {
        set_problem(o, "expected %s", verdict);
        goto done;
    }
    n = aegis_geofence_decision_reason_count(decision);
    for (i = 0; i < n; i++) {
        bool passed = false;
        aegis_status st = AEGIS_OK, want = AEGIS_OK;
        if (aegis_geofence_decision_reason(decision, i, &passed, &st) != AEGIS_OK ||
            !aegis_geofence_decision_reason_rule(decision, i)[0] ||
            !aegis_geofence_decision_reason_message(decision, i)[0]) {
            set_problem(o, "%s", "reason accessors");
            goto done;
        }
        if (passed != (st == AEGIS_OK)) { set_problem(o, "%s", "a reason's status contradicts passed"); goto done; }
        if (passed) continue;
        if (!names || denied >= names->count || !status_of(json_str(names->items[denied]), &want) || st != want) {
            set_problem(o, "denial %s differs", aegis_status_str(st));
            goto done;
        }
        denied++;
    }
    if (denied != (names ? names->count : 0)) set_problem(o, "%s", "fewer denials than expected");
    if (aegis_geofence_decision_reason(decision, n, &(bool){false}, &(aegis_status){0}) != AEGIS_INVALID_ARGUMENT ||
        aegis_geofence_decision_reason_rule(decision, n)[0] != '\0') {
        set_problem(o, "%s", "reason out of range accepted");
    }
    {
        char want[32];
        snprintf(want, sizeof want, "\"verdict\":\"%s\"", verdict);
        if (strstr(aegis_geofence_decision_json(decision), want) == NULL) {
            set_problem(o, "%s", "decision JSON");
        }
    }
done:
    aegis_geofence_decision_free(decision);
    aegis_geofence_policy_free(policy);
    free(policy_json);
    free(location);
}

/* One "bundle" vector (docs/evidence-bundle.md): the bundle, the enrolment record (or none), the
 * EK roots and the geofence policy loaded as the manifest names them, appraised at its time with
 * its nonce. A "result" vector must give exactly the expected status, each submod's status, the
 * failed checks (submod, check, error name and code, in order) and the location's country, as
 * the Rust walker (aegis-core/tests/bundle.rs) compares them; an "invalid" one leaves its error in
 * the outcome for the caller's check (from reading the bundle or from the appraisal), whose code
 * must also be the manifest's. */
static void run_bundle(outcome *o, const char *dir, const json *v) {
    const json *expect = json_get(v, "expect");
    const char *verdict = json_str(json_get(expect, "verdict"));
    const char *nonce_hex = json_str(json_get(v, "nonce"));
    uint8_t *bundle_json = NULL, *record_json = NULL, *policy_json = NULL, *nonce = NULL;
    size_t bundle_len = 0, record_len = 0, policy_len = 0, nonce_len = 0, i, n;
    uint64_t now = 0;
    aegis_evidence_bundle *bundle = NULL;
    aegis_enrolment_record *record = NULL;
    aegis_ek_trust_store *roots = NULL;
    aegis_geofence_policy *fence = NULL;
    aegis_attestation_result *result = NULL;
    if (!verdict || !nonce_hex || !hex_decode(nonce_hex, &nonce, &nonce_len) ||
        !json_u64(json_get(v, "time"), &now) || !load(o, dir, v, "bundle", &bundle_json, &bundle_len) ||
        !load(o, dir, v, "policy", &policy_json, &policy_len) ||
        (json_str(json_get(v, "enrolment")) && !load(o, dir, v, "enrolment", &record_json, &record_len))) {
        set_problem(o, "%s", "bad bundle entry");
        goto done;
    }
    if (aegis_ek_trust_store_new(&roots) != AEGIS_OK || !add_cas(o, dir, json_get(v, "ek_roots"), roots, 1) ||
        aegis_geofence_policy_from_json(policy_json, policy_len, &fence, &o->err) != AEGIS_OK ||
        (record_json && aegis_enrolment_record_from_json(record_json, record_len, &record, &o->err) != AEGIS_OK)) {
        set_problem(o, "%s", "the verifier's inputs (EK roots, policy, enrolment record) do not load");
        goto done;
    }
    o->status = aegis_evidence_bundle_from_json(bundle_json, bundle_len, &bundle, &o->err);
    if (o->status == AEGIS_OK) {
        o->status = aegis_bundle_appraise(bundle, roots, record, fence, NULL, nonce, nonce_len, now,
                                          json_bool(json_get(v, "network_verified"), 0), true, &result, &o->err);
    }
    if (strcmp(verdict, "invalid") == 0) {
        uint64_t code = 0;
        if (!json_u64(json_get(expect, "code"), &code) || code != o->status || result != NULL) {
            set_problem(o, "%s", "expected no result with the manifest's code");
        }
        goto done;
    }
    if (strcmp(verdict, "result") != 0) { set_problem(o, "%s", "unknown verdict"); goto done; }
    if (o->status != AEGIS_OK) { set_problem(o, "%s", "expected a result"); goto done; }
    {
        const char *want = json_str(json_get(expect, "status"));
        if (!want || strcmp(aegis_attestation_result_status(result), want) != 0) {
            set_problem(o, "status %s differs", aegis_attestation_result_status(result));
            goto done;
        }
    }
    {
        const json *submods = json_get(expect, "submods");
        n = aegis_attestation_result_submod_count(result);
        if (!submods || submods->type != JSON_OBJECT || submods->count != n) {
            set_problem(o, "%s", "submod count differs");
            goto done;
        }
        for (i = 0; i < n; i++) {
            const char *want = json_str(json_get(submods, aegis_attestation_result_submod_name(result, i)));
            if (!want || strcmp(want, aegis_attestation_result_submod_status(result, i)) != 0) {
                set_problem(o, "submod %s differs", aegis_attestation_result_submod_name(result, i));
                goto done;
            }
        }
        if (aegis_attestation_result_submod_name(result, n)[0] != '\0') set_problem(o, "%s", "submod out of range");
    }
    {
        const json *failures = json_get(expect, "failures");
        n = aegis_attestation_result_failure_count(result);
        if (!failures || failures->type != JSON_ARRAY || failures->count != n) {
            set_problem(o, "%s", "failure count differs");
            goto done;
        }
        for (i = 0; i < n; i++) {
            const json *f = failures->items[i];
            const char *submod = NULL, *check = NULL, *name = json_str(json_get(f, "error"));
            aegis_status code = AEGIS_OK, want = AEGIS_OK;
            uint64_t want_code = 0;
            if (aegis_attestation_result_failure(result, i, &submod, &check, &code) != AEGIS_OK ||
                !aegis_attestation_result_failure_reason(result, i)[0] || !name || !status_of(name, &want) ||
                !json_u64(json_get(f, "code"), &want_code) || code != want || code != want_code ||
                strcmp(submod, json_str(json_get(f, "submod")) ? json_str(json_get(f, "submod")) : "") != 0 ||
                strcmp(check, json_str(json_get(f, "check")) ? json_str(json_get(f, "check")) : "") != 0) {
                set_problem(o, "failure %s differs", check ? check : "?");
                goto done;
            }
        }
        if (aegis_attestation_result_failure(result, n, &(const char *){NULL}, &(const char *){NULL},
                                             &(aegis_status){0}) != AEGIS_INVALID_ARGUMENT) {
            set_problem(o, "%s", "failure out of range accepted");
        }
    }
    {
        const char *want = json_str(json_get(expect, "country"));
        if (strcmp(aegis_attestation_result_country(result), want ? want : "") != 0) {
            set_problem(o, "country %s differs", aegis_attestation_result_country(result));
        }
    }
    {
        char want[64];
        snprintf(want, sizeof want, "{\"status\":\"%s\",", aegis_attestation_result_status(result));
        if (strncmp(aegis_attestation_result_json(result), want, strlen(want)) != 0 ||
            strstr(aegis_attestation_result_json(result), "\"ear_verifier_claims\"") == NULL) {
            set_problem(o, "%s", "result JSON");
        }
    }
done:
    aegis_attestation_result_free(result);
    aegis_evidence_bundle_free(bundle);
    aegis_enrolment_record_free(record);
    aegis_geofence_policy_free(fence);
    aegis_ek_trust_store_free(roots);
    free(bundle_json);
    free(record_json);
    free(policy_json);
    free(nonce);
}

/* Negative EK cases and the credential checks for one valid "ek" vector; `other` is another EK
 * vector (a different EK) or NULL. */
static void ek_extra(int *passed, int *failed, const char *dir, const json *v, const json *other, const json *quote) {
    const char *id = json_str(json_get(v, "id"));
    outcome o;
    ek_files f, g;
    aegis_ek_trust_store *empty = NULL;
    aegis_verified_ek *vek = NULL;
    aegis_credential *cred = NULL, *back = NULL, *tmp = NULL; /* tmp: written only by a wrong success */
    aegis_bytes *qn_ek = NULL, *qn_ak = NULL;
    aegis_error *err = NULL;
    aegis_status st;
    uint8_t *ak_name = NULL;
    size_t ak_name_len = 0;
    uint8_t secret[32], wrong[32];
    static const uint8_t endorsement[4] = {0x40, 0x00, 0x00, 0x0B};
    size_t i;

    memset(&o, 0, sizeof o);
    memset(&g, 0, sizeof g);
    if (!id) id = "(no id)";
    if (!ek_load(&o, dir, v, &f)) {
        (*failed)++;
        printf("FAIL ek-neg   %s: %s\n", id, o.problem[0] ? o.problem : "cannot load");
        aegis_error_free(o.err);
        ek_files_free(&f);
        return;
    }
    /* 1. one second after the epoch: before notBefore. */
    vek = NULL;
    st = aegis_ek_verify(f.store, f.cert, f.cert_len, f.pub, f.pub_len, 1, &vek, &err);
    report(passed, failed, "time before notBefore", id, st, err, AEGIS_EK_CERTIFICATE_EXPIRED, "EkCertificateExpired");
    if (vek) { aegis_verified_ek_free(vek); vek = NULL; (*failed)++; printf("FAIL wrote *out on failure\n"); }
    /* 2. no manufacturer CA at all. */
    err = NULL;
    aegis_ek_trust_store_new(&empty);
    st = aegis_ek_verify(empty, f.cert, f.cert_len, f.pub, f.pub_len, f.time, &vek, &err);
    report(passed, failed, "empty trust store", id, st, err, AEGIS_EK_CERTIFICATE_UNTRUSTED, "EkCertificateUntrusted");
    /* 2b. the roots without the intermediate: no path from the EK certificate to a root. */
    aegis_ek_trust_store_free(empty);
    empty = NULL;
    aegis_ek_trust_store_new(&empty);
    memset(&o, 0, sizeof o);
    if (add_cas(&o, dir, json_get(v, "ca_roots"), empty, 1)) {
        err = NULL;
        st = aegis_ek_verify(empty, f.cert, f.cert_len, f.pub, f.pub_len, f.time, &vek, &err);
        report(passed, failed, "root without the intermediate", id, st, err, AEGIS_EK_CERTIFICATE_UNTRUSTED,
               "EkCertificateUntrusted");
    }
    aegis_error_free(o.err);
    aegis_ek_trust_store_free(empty);
    /* 3. another EK's public area with this certificate. */
    memset(&o, 0, sizeof o);
    if (other && ek_load(&o, dir, other, &g)) {
        err = NULL;
        st = aegis_ek_verify(f.store, f.cert, f.cert_len, g.pub, g.pub_len, f.time, &vek, &err);
        report(passed, failed, "another EK's public area", id, st, err, AEGIS_EK_PUBLIC_KEY_MISMATCH, "EkPublicKeyMismatch");
    } else {
        (*failed)++;
        printf("FAIL ek-neg   %s: no other EK vector to swap in (%s)\n", id, o.problem);
    }
    aegis_error_free(o.err);
    ek_files_free(&g);
    if (vek) { aegis_verified_ek_free(vek); vek = NULL; (*failed)++; printf("FAIL wrote *out on failure\n"); }

    /* 4. credential for this EK and a real AK Name. */
    memset(&o, 0, sizeof o);
    if (!quote || !hex_field(&o, quote, "ak_name", &ak_name, &ak_name_len)) {
        (*failed)++;
        printf("FAIL ek-neg   %s: no quote vector with an ak_name\n", id);
        goto done;
    }
    for (i = 0; i < sizeof secret; i++) { secret[i] = (uint8_t)(i * 7 + 1); wrong[i] = secret[i]; }
    wrong[31] ^= 1;
    err = NULL;
    st = aegis_credential_make(f.pub, f.pub_len, ak_name, ak_name_len, secret, sizeof secret, &cred, &err);
    report(passed, failed, "aegis_credential_make", id, st, err, AEGIS_OK, "OK");
    if (st == AEGIS_OK) {
        const uint8_t *blob, *enc, *file, *p;
        size_t blob_len, enc_len, file_len, n;
        int ok = aegis_credential_blob(cred, &blob, &blob_len) == AEGIS_OK &&
                 aegis_credential_encrypted_secret(cred, &enc, &enc_len) == AEGIS_OK &&
                 aegis_credential_tpm2_tools_file(cred, &file, &file_len) == AEGIS_OK;
        /* TPM2B_ID_OBJECT: size || TPM2B_DIGEST(outerHMAC, EK nameAlg size) || encIdentity (the
         * TPM2B_DIGEST of the 32-byte secret, CFB-encrypted: 34 bytes). */
        ok = ok && blob_len >= 2 && (size_t)(blob[0] << 8 | blob[1]) == blob_len - 2 && blob_len >= 4 &&
             (size_t)(blob[2] << 8 | blob[3]) + 4 + 2 + sizeof secret == blob_len;
        /* TPM2B_ENCRYPTED_SECRET: an RSA-2048 OAEP ciphertext (256), or a TPMS_ECC_POINT. */
        ok = ok && enc_len >= 2 && (size_t)(enc[0] << 8 | enc[1]) == enc_len - 2 &&
             (strstr(id, "rsa2048") ? enc_len == 258 : enc_len > 6);
        ok = ok && file_len == 8 + blob_len + enc_len && file[0] == 0xBA && file[1] == 0xDC && file[2] == 0xC0 &&
             file[3] == 0xDE && memcmp(file + 8, blob, blob_len) == 0 && memcmp(file + 8 + blob_len, enc, enc_len) == 0;
        err = NULL;
        ok = ok && aegis_credential_parse(file, file_len, &back, &err) == AEGIS_OK &&
             aegis_credential_tpm2_tools_file(back, &p, &n) == AEGIS_OK && n == file_len && memcmp(p, file, n) == 0;
        aegis_error_free(err);
        if (ok) { (*passed)++; printf("ok   ek-neg   %s: credential sizes and tpm2-tools file round trip\n", id); }
        else { (*failed)++; printf("FAIL ek-neg   %s: credential sizes or tpm2-tools file round trip\n", id); }
        err = NULL;
        st = aegis_credential_parse(file, file_len - 1, &tmp, &err);
        report(passed, failed, "truncated credential file", id, st, err, AEGIS_TRUNCATED, "Truncated");
    }
    err = NULL;
    st = aegis_credential_check(secret, sizeof secret, secret, sizeof secret, &err);
    report(passed, failed, "activated secret equals the one made", id, st, err, AEGIS_OK, "OK");
    err = NULL;
    st = aegis_credential_check(secret, sizeof secret, wrong, sizeof wrong, &err);
    report(passed, failed, "activated secret differs", id, st, err, AEGIS_CREDENTIAL_MISMATCH, "CredentialMismatch");
    err = NULL;
    st = aegis_credential_check(secret, sizeof secret, secret, sizeof secret - 1, &err);
    report(passed, failed, "activated secret truncated", id, st, err, AEGIS_CREDENTIAL_MISMATCH, "CredentialMismatch");
    err = NULL;
    st = aegis_credential_make(f.pub, f.pub_len, ak_name, ak_name_len, secret, 0, &tmp, &err);
    report(passed, failed, "empty secret refused", id, st, err, AEGIS_INVALID_ARGUMENT, "InvalidArgument");

    /* 5. the expected qualifiedSigner of an AK under this EK under the endorsement hierarchy. */
    {
        const uint8_t *ek_name;
        size_t ek_name_len;
        err = NULL;
        vek = NULL;
        st = aegis_ek_verify(f.store, f.cert, f.cert_len, f.pub, f.pub_len, f.time, &vek, &err);
        if (st == AEGIS_OK && aegis_verified_ek_name(vek, &ek_name, &ek_name_len) == AEGIS_OK) {
            aegis_error_free(err);
            err = NULL;
            st = aegis_name_qualified_under(ek_name, ek_name_len, endorsement, sizeof endorsement, &qn_ek, &err);
            if (st == AEGIS_OK) {
                st = aegis_name_qualified_under(ak_name, ak_name_len, aegis_bytes_ptr(qn_ek), aegis_bytes_len(qn_ek),
                                                &qn_ak, &err);
            }
            report(passed, failed, "qualified Name of the AK under the EK", id, st, err, AEGIS_OK, "OK");
            if (st == AEGIS_OK && !(aegis_bytes_len(qn_ek) == ek_name_len && aegis_bytes_len(qn_ak) == ak_name_len &&
                                    memcmp(aegis_bytes_ptr(qn_ek), ek_name, 2) == 0 &&
                                    memcmp(aegis_bytes_ptr(qn_ak), ak_name, 2) == 0 &&
                                    memcmp(aegis_bytes_ptr(qn_ak), ak_name, ak_name_len) != 0)) {
                (*failed)++;
                printf("FAIL ek-neg   %s: qualified Names have the wrong shape\n", id);
            }
        } else {
            report(passed, failed, "re-verify for the qualified Name", id, st, err, AEGIS_OK, "OK");
        }
        err = NULL;
        aegis_bytes_free(qn_ak);
        qn_ak = NULL;
        st = aegis_name_qualified_under(endorsement, 1, endorsement, sizeof endorsement, &qn_ak, &err);
        report(passed, failed, "Name shorter than its algorithm", id, st, err, AEGIS_INVALID_VALUE, "InvalidValue");
    }
done:
    aegis_bytes_free(qn_ek);
    aegis_bytes_free(qn_ak);
    aegis_credential_free(cred);
    aegis_credential_free(back);
    if (tmp) { (*failed)++; printf("FAIL ek-neg   %s: a refused call wrote *out\n", id); }
    aegis_credential_free(tmp);
    aegis_verified_ek_free(vek);
    free(ak_name);
    ek_files_free(&f);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "testdata";
    uint8_t *text = NULL;
    size_t text_len = 0, i;
    char jerr[128] = "";
    json *manifest;
    const json *vectors;
    int passed = 0, failed = 0;

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
        if (!kind || (strcmp(kind, "quote") != 0 && strcmp(kind, "certify") != 0 && strcmp(kind, "inspect") != 0 &&
                      strcmp(kind, "ek") != 0 && strcmp(kind, "geofence") != 0 && strcmp(kind, "poc") != 0 &&
                      strcmp(kind, "jurisdiction") != 0 &&
                      strcmp(kind, "ear") != 0 && strcmp(kind, "proof") != 0 &&
                      strcmp(kind, "bundle") != 0 && strcmp(kind, "svid") != 0 &&
                      strcmp(kind, "gateway") != 0)) {
            failed++;
            printf("FAIL %s: unknown vector kind %s: teach tests/c/test_manifest.c to walk it\n", id,
                   kind ? kind : "(none)");
            continue;
        }
        if (strcmp(kind, "geofence") == 0) run_geofence(&o, dir, v);
        else if (strcmp(kind, "bundle") == 0) run_bundle(&o, dir, v);
        else if (strcmp(kind, "quote") == 0) run_quote(&o, dir, v);
        else if (strcmp(kind, "certify") == 0) run_certify(&o, dir, v);
        else if (strcmp(kind, "inspect") == 0) run_inspect(&o, dir, v);
        else if (strcmp(kind, "poc") == 0) run_poc(&o, dir, v);
        else if (strcmp(kind, "jurisdiction") == 0) run_jurisdiction(&o, v);
        else if (strcmp(kind, "ear") == 0) run_ear(&o, dir, v);
        else if (strcmp(kind, "proof") == 0) run_proof(&o, dir, v);
        else if (strcmp(kind, "svid") == 0) run_svid(&o, dir, v);
        else if (strcmp(kind, "gateway") == 0) run_gateway(&o, dir, v);
        else run_ek(&o, dir, v);

        if (o.problem[0]) {
            ok = 0;
        } else if (strcmp(kind, "geofence") == 0 || strcmp(kind, "gateway") == 0 ||
                   (strcmp(kind, "bundle") == 0 && verdict &&
                                                       strcmp(verdict, "result") == 0)) {
            ok = 1; /* run_geofence and run_bundle checked the expected outcome themselves */
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
    /* The EK checks this test makes itself, for each valid EK vector. */
    {
        const json *quote = NULL;
        size_t ek_checked = 0, j;
        for (i = 0; i < vectors->count && !quote; i++) {
            const json *v = vectors->items[i];
            const char *kind = json_str(json_get(v, "kind"));
            if (kind && strcmp(kind, "quote") == 0 && json_str(json_get(v, "ak_name"))) quote = v;
        }
        for (i = 0; i < vectors->count; i++) {
            const json *v = vectors->items[i], *other = NULL;
            const char *kind = json_str(json_get(v, "kind"));
            const char *verdict = json_str(json_get(json_get(v, "expect"), "verdict"));
            if (!kind || strcmp(kind, "ek") != 0 || !verdict || strcmp(verdict, "valid") != 0) continue;
            for (j = 0; j < vectors->count && !other; j++) {
                const json *w = vectors->items[j];
                const char *wk = json_str(json_get(w, "kind"));
                const char *wp = json_str(json_get(w, "ek_pub")), *vp = json_str(json_get(v, "ek_pub"));
                if (wk && strcmp(wk, "ek") == 0 && wp && vp && strcmp(wp, vp) != 0) other = w;
            }
            ek_extra(&passed, &failed, dir, v, other, quote);
            ek_checked++;
        }
        if (ek_checked < 2) {
            failed++;
            printf("FAIL ek-neg: only %u valid EK vectors (expected RSA and ECC)\n", (unsigned)ek_checked);
        }
    }
    json_free(manifest);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
