/*
 * test_abi.c: the C ABI contract (STYLE.md, "C ABI") checked from C: NULL handling, outputs
 * written only on success, optional err_out, NULL-safe frees, borrowed views, static strings,
 * the bare-key path, and the panic boundary (aegis_testing_panic, cargo feature "testing").
 *
 * Usage: test_abi [testdata-dir]   (default: testdata). Exit status 1 on any failure.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aegis.h"
#include "util.h"

static int failures = 0;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                      \
        }                                                                    \
    } while (0)

/* A vector every test below uses: a genuine RSASSA-SHA256 quote over sha256:0,1,15. */
#define VEC "quote-rsa2048-rsassa-sha256/"
#define VEC_NONCE "d60bcb7bc544c09ec3735e1c6d0ee0f81f1e9a2f149cea128286194f0bc2a117"

static void test_static_strings(void) {
    CHECK(strlen(aegis_version()) > 0);
    CHECK(strcmp(aegis_status_str(AEGIS_OK), "success") == 0);
    CHECK(strcmp(aegis_status_str(AEGIS_PCR_DIGEST_MISMATCH), "PCR values do not hash to the signed pcrDigest") == 0);
    CHECK(strcmp(aegis_status_str(AEGIS_NULL_POINTER), "unknown status code") != 0);
    CHECK(strcmp(aegis_status_str(12345), "unknown status code") == 0);
    CHECK(AEGIS_PCR_DIGEST_MISMATCH == 5004 && AEGIS_NULL_POINTER == 1003 && AEGIS_PANIC == 1004 &&
          AEGIS_INVALID_UTF8 == 1005);
}

static void test_null_handling(void) {
    aegis_ak *sentinel = (aegis_ak *)&failures; /* any non-NULL value: must stay untouched */
    aegis_ak *ak = sentinel;
    aegis_error *err = NULL;
    uint8_t byte = 0;

    /* NULL data with a length: AEGIS_NULL_POINTER, an error object, no output. */
    CHECK(aegis_ak_from_tpm_public(NULL, 10, &ak, &err) == AEGIS_NULL_POINTER);
    CHECK(ak == sentinel);
    CHECK(err != NULL);
    CHECK(aegis_error_code(err) == AEGIS_NULL_POINTER);
    CHECK(strcmp(aegis_error_name(err), "NullPointer") == 0);
    CHECK(strlen(aegis_error_message(err)) > 0);
    aegis_error_free(err);
    err = NULL;

    /* NULL with length 0 is an empty input (a parse error), and err_out may be NULL. */
    CHECK(aegis_ak_from_tpm_public(NULL, 0, &ak, NULL) == AEGIS_TRUNCATED);
    CHECK(ak == sentinel);
    /* NULL out-parameter. */
    CHECK(aegis_ak_from_tpm_public(&byte, 1, NULL, &err) == AEGIS_NULL_POINTER);
    aegis_error_free(err);
    err = NULL;
    CHECK(aegis_pcrs_parse(&byte, 1, NULL, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_quote_policy_new(NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_certify_policy_new(NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_quote_policy_allow_sha1(NULL, true) == AEGIS_NULL_POINTER);
    CHECK(aegis_quote_policy_require_pcr(NULL, 0x000B, 0, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_certify_policy_set_previous_clock(NULL, 1, 2, 3, true) == AEGIS_NULL_POINTER);
    CHECK(aegis_quote_verify(NULL, NULL, 0, NULL, 0, NULL, NULL, 0, NULL, NULL, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_certify_verify(NULL, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, NULL, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_verified_quote_pcr_count(NULL) == 0);
    CHECK(aegis_verified_quote_firmware_version(NULL, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_verified_quote_pcrs_read(NULL, NULL, 0, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_verified_quote_read(NULL, NULL, NULL, 0, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_verified_certification_read(NULL, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_ak_name(NULL, NULL, NULL) == AEGIS_NULL_POINTER);
    CHECK(!aegis_ak_is_checked(NULL));
    CHECK(aegis_ak_scheme(NULL, NULL, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_quote_policy_set_hashes(NULL, NULL, 0, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_certify_policy_set_hashes(NULL, NULL, 0, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_verified_quote_selection_count(NULL) == 0);
    CHECK(aegis_verified_quote_selection_at(NULL, 0, NULL, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_verified_quote_qualified_signer(NULL, NULL, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_verified_quote_hash(NULL, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_verified_certification_qualified_name(NULL, NULL, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_verified_certification_qualified_signer(NULL, NULL, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_verified_certification_clock(NULL, NULL, NULL, NULL, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_verified_certification_firmware_version(NULL, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_verified_certification_spki(NULL, NULL, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_verified_ek_qualified_name(NULL, NULL, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_verified_ek_serial(NULL, NULL, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_verified_ek_chain_len(NULL) == 0);
    CHECK(aegis_ek_trust_store_root_count(NULL) == 0);
    CHECK(aegis_ek_trust_store_intermediate_count(NULL) == 0);
    CHECK(aegis_name_of_handle(AEGIS_ENDORSEMENT_HIERARCHY, NULL, NULL) == AEGIS_NULL_POINTER);

    /* Accessors of a NULL error. */
    CHECK(aegis_error_code(NULL) == AEGIS_NULL_POINTER);
    CHECK(strcmp(aegis_error_name(NULL), "") == 0);
    CHECK(strcmp(aegis_error_message(NULL), "") == 0);

    /* Every free accepts NULL. */
    aegis_error_free(NULL);
    aegis_ak_free(NULL);
    aegis_pcrs_free(NULL);
    aegis_quote_policy_free(NULL);
    aegis_certify_policy_free(NULL);
    aegis_verified_quote_free(NULL);
    aegis_verified_certification_free(NULL);
}

static void test_policy_arguments(void) {
    aegis_quote_policy *p = NULL;
    aegis_error *err = NULL;
    uint8_t name[2] = {0, 11};
    CHECK(aegis_quote_policy_new(&p) == AEGIS_OK && p != NULL);
    CHECK(aegis_quote_policy_require_pcr(p, 0x000B, 23, &err) == AEGIS_OK && err == NULL);
    CHECK(aegis_quote_policy_require_pcr(p, 0x000B, 24, &err) == AEGIS_INVALID_ARGUMENT);
    CHECK(strcmp(aegis_error_name(err), "InvalidArgument") == 0);
    aegis_error_free(err);
    err = NULL;
    CHECK(aegis_quote_policy_require_pcr(p, 0x0099, 0, &err) == AEGIS_UNKNOWN_ALGORITHM);
    CHECK(strcmp(aegis_error_name(err), "UnknownAlgorithm") == 0);
    aegis_error_free(err);
    CHECK(aegis_quote_policy_set_expected_signer(p, name, sizeof name) == AEGIS_OK);
    CHECK(aegis_quote_policy_set_expected_signer(p, NULL, 0) == AEGIS_OK);
    CHECK(aegis_quote_policy_set_expected_signer(p, NULL, 2) == AEGIS_NULL_POINTER);
    CHECK(aegis_quote_policy_set_previous_clock(p, 1000, 1, 0, true) == AEGIS_OK);
    aegis_quote_policy_free(p);
}

/* The explicit hash allow-list: unknown ids are AEGIS_UNKNOWN_ALGORITHM (the same code as a bad
 * bank), SHA-1 only through allow_sha1 (AEGIS_INVALID_ARGUMENT), NULL with a count a NULL
 * pointer; a failed call leaves the policy as it was. */
static void test_hash_allow_list(void) {
    aegis_quote_policy *q = NULL;
    aegis_certify_policy *c = NULL;
    aegis_error *err = NULL;
    const uint16_t good[2] = {AEGIS_ALG_SHA384, AEGIS_ALG_SHA512};
    const uint16_t unknown[2] = {AEGIS_ALG_SHA256, 0x0099};
    const uint16_t sha1[1] = {AEGIS_ALG_SHA1};
    CHECK(aegis_quote_policy_new(&q) == AEGIS_OK);
    CHECK(aegis_certify_policy_new(&c) == AEGIS_OK);
    CHECK(aegis_quote_policy_set_hashes(q, good, 2, &err) == AEGIS_OK && err == NULL);
    CHECK(aegis_certify_policy_set_hashes(c, good, 2, &err) == AEGIS_OK && err == NULL);
    CHECK(aegis_quote_policy_set_hashes(q, unknown, 2, &err) == AEGIS_UNKNOWN_ALGORITHM);
    CHECK(err != NULL && strcmp(aegis_error_name(err), "UnknownAlgorithm") == 0);
    aegis_error_free(err);
    err = NULL;
    CHECK(aegis_certify_policy_set_hashes(c, unknown, 2, NULL) == AEGIS_UNKNOWN_ALGORITHM);
    CHECK(aegis_quote_policy_set_hashes(q, sha1, 1, &err) == AEGIS_INVALID_ARGUMENT);
    CHECK(err != NULL && strcmp(aegis_error_name(err), "InvalidArgument") == 0);
    aegis_error_free(err);
    err = NULL;
    CHECK(aegis_certify_policy_set_hashes(c, sha1, 1, NULL) == AEGIS_INVALID_ARGUMENT);
    CHECK(aegis_quote_policy_set_hashes(q, NULL, 1, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_quote_policy_set_hashes(q, NULL, 0, NULL) == AEGIS_OK);
    aegis_certify_policy_free(c);
    aegis_quote_policy_free(q);
}

typedef struct {
    uint8_t *ak, *pem, *attest, *sig, *pcrs, *nonce;
    size_t ak_len, pem_len, attest_len, sig_len, pcrs_len, nonce_len;
} vector;

static int load_vector(const char *dir, vector *v) {
    memset(v, 0, sizeof *v);
    return read_file(dir, VEC "ak.pub", &v->ak, &v->ak_len) && read_file(dir, VEC "ak.pem", &v->pem, &v->pem_len) &&
           read_file(dir, VEC "quote.attest", &v->attest, &v->attest_len) &&
           read_file(dir, VEC "quote.sig", &v->sig, &v->sig_len) &&
           read_file(dir, VEC "pcrs.bin", &v->pcrs, &v->pcrs_len) && hex_decode(VEC_NONCE, &v->nonce, &v->nonce_len);
}

static void free_vector(vector *v) {
    free(v->ak); free(v->pem); free(v->attest); free(v->sig); free(v->pcrs); free(v->nonce);
}

/* aegis_verified_quote_pcrs_read on the RSA vector (sha256:0,1,15: three 36-byte records): the
 * size query (NULL, 0), a buffer one byte short (status, size, buffer untouched), the exact
 * size, and NULL arguments. */
static void test_pcrs_read(const aegis_verified_quote *vq) {
    uint8_t buf[3 * 36 + 1];
    size_t written = 12345, i;
    const uint8_t *value = NULL;
    size_t value_len = 0;
    uint16_t alg = 0;
    uint8_t index = 0;
    int untouched = 1;

    CHECK(aegis_verified_quote_pcrs_read(vq, NULL, 0, &written) == AEGIS_INVALID_ARGUMENT);
    CHECK(written == 3 * 36);
    memset(buf, 0xA5, sizeof buf);
    written = 12345;
    CHECK(aegis_verified_quote_pcrs_read(vq, buf, 3 * 36 - 1, &written) == AEGIS_INVALID_ARGUMENT);
    CHECK(written == 3 * 36);
    for (i = 0; i < sizeof buf; i++) untouched &= buf[i] == 0xA5;
    CHECK(untouched);
    written = 0;
    CHECK(aegis_verified_quote_pcrs_read(vq, buf, 3 * 36, &written) == AEGIS_OK);
    CHECK(written == 3 * 36);
    CHECK(buf[3 * 36] == 0xA5); /* nothing past the records */
    /* The third record is sha256:15 (0x000B big-endian, index, size, value) as pcr_at gives it. */
    CHECK(aegis_verified_quote_pcr_at(vq, 2, &alg, &index, &value, &value_len) == AEGIS_OK);
    CHECK(buf[72] == 0x00 && buf[73] == 0x0B && buf[74] == 15 && buf[75] == 32 && value_len == 32);
    CHECK(value != NULL && memcmp(buf + 76, value, 32) == 0);
    /* A larger buffer is fine: written says how much was used. */
    written = 0;
    CHECK(aegis_verified_quote_pcrs_read(vq, buf, sizeof buf, &written) == AEGIS_OK && written == 3 * 36);

    /* NULL arguments: AEGIS_NULL_POINTER and nothing written. */
    written = 12345;
    CHECK(aegis_verified_quote_pcrs_read(NULL, buf, sizeof buf, &written) == AEGIS_NULL_POINTER);
    CHECK(aegis_verified_quote_pcrs_read(vq, NULL, 10, &written) == AEGIS_NULL_POINTER);
    CHECK(written == 12345);
    CHECK(aegis_verified_quote_pcrs_read(vq, buf, sizeof buf, NULL) == AEGIS_NULL_POINTER);
}

/* aegis_verified_quote_read on the RSA vector: the info equals the single accessors, the records
 * equal aegis_verified_quote_pcrs_read's, a buffer one byte short writes only *written (info and
 * buffer untouched), and NULL arguments write nothing. */
static void test_quote_read(const aegis_verified_quote *vq) {
    uint8_t buf[3 * 36 + 1], expect[3 * 36];
    size_t written = 12345, i, expect_len = 0, signer_len = 0;
    aegis_verified_quote_info info, blank;
    const uint8_t *signer = NULL;
    uint64_t clock = 0, fw = 0;
    uint32_t reset = 0, restart = 0;
    uint16_t hash = 0;
    bool safe = false;
    int untouched = 1;

    CHECK(aegis_verified_quote_pcrs_read(vq, expect, sizeof expect, &expect_len) == AEGIS_OK);
    CHECK(aegis_verified_quote_clock(vq, &clock, &reset, &restart, &safe) == AEGIS_OK);
    CHECK(aegis_verified_quote_firmware_version(vq, &fw) == AEGIS_OK);
    CHECK(aegis_verified_quote_hash(vq, &hash) == AEGIS_OK);
    CHECK(aegis_verified_quote_qualified_signer(vq, &signer, &signer_len) == AEGIS_OK);

    memset(&info, 0xA5, sizeof info);
    memset(&blank, 0xA5, sizeof blank);
    memset(buf, 0xA5, sizeof buf);
    /* Too small: only *written, the size needed. */
    CHECK(aegis_verified_quote_read(vq, &info, NULL, 0, &written) == AEGIS_INVALID_ARGUMENT);
    CHECK(written == 3 * 36);
    written = 12345;
    CHECK(aegis_verified_quote_read(vq, &info, buf, 3 * 36 - 1, &written) == AEGIS_INVALID_ARGUMENT);
    CHECK(written == 3 * 36);
    for (i = 0; i < sizeof buf; i++) untouched &= buf[i] == 0xA5;
    CHECK(untouched);
    CHECK(memcmp(&info, &blank, sizeof info) == 0);

    /* Enough room: everything, equal to the single accessors. */
    written = 0;
    CHECK(aegis_verified_quote_read(vq, &info, buf, sizeof buf, &written) == AEGIS_OK);
    CHECK(written == expect_len && memcmp(buf, expect, expect_len) == 0 && buf[3 * 36] == 0xA5);
    CHECK(info.clock.clock_ms == clock && info.clock.reset_count == reset && info.clock.restart_count == restart &&
          info.clock.safe == safe);
    CHECK(info.firmware_version == fw && info.hash_alg == hash && hash == AEGIS_ALG_SHA256);
    CHECK(info.pcr_count == 3 && info.pcr_count == aegis_verified_quote_pcr_count(vq));
    CHECK(info.qualified_signer == signer && info.qualified_signer_len == signer_len && signer_len == 34);

    /* NULL arguments: AEGIS_NULL_POINTER and nothing written. */
    memset(&info, 0xA5, sizeof info);
    written = 12345;
    CHECK(aegis_verified_quote_read(NULL, &info, buf, sizeof buf, &written) == AEGIS_NULL_POINTER);
    CHECK(aegis_verified_quote_read(vq, NULL, buf, sizeof buf, &written) == AEGIS_NULL_POINTER);
    CHECK(aegis_verified_quote_read(vq, &info, NULL, 10, &written) == AEGIS_NULL_POINTER);
    CHECK(written == 12345 && memcmp(&info, &blank, sizeof info) == 0);
    CHECK(aegis_verified_quote_read(vq, &info, buf, sizeof buf, NULL) == AEGIS_NULL_POINTER);
    CHECK(memcmp(&info, &blank, sizeof info) == 0);
}

static void test_verify_paths(const char *dir) {
    vector v;
    aegis_ak *ak = NULL, *bare = NULL;
    aegis_pcrs *pcrs = NULL;
    aegis_verified_quote *vq = NULL;
    aegis_verified_quote *vq_sentinel = (aegis_verified_quote *)&failures;
    aegis_verified_quote *vq2 = vq_sentinel;
    aegis_error *err = NULL;
    const uint8_t *name = NULL;
    size_t name_len = 0;

    if (!load_vector(dir, &v)) {
        fprintf(stderr, "cannot read the vector %s in %s\n", VEC, dir);
        failures++;
        free_vector(&v);
        return;
    }
    CHECK(aegis_ak_from_tpm_public(v.ak, v.ak_len, &ak, &err) == AEGIS_OK && err == NULL);
    {
        uint16_t scheme = 0, hash = 0;
        CHECK(aegis_ak_is_checked(ak));
        CHECK(aegis_ak_scheme(ak, &scheme, &hash) == AEGIS_OK && scheme == AEGIS_ALG_RSASSA && hash == AEGIS_ALG_SHA256);
        CHECK(aegis_ak_scheme(ak, &scheme, NULL) == AEGIS_NULL_POINTER);
    }
    CHECK(aegis_ak_name(ak, &name, &name_len) == AEGIS_OK && name_len == 34 && name[0] == 0 && name[1] == 0x0B);
    CHECK(aegis_pcrs_parse(v.pcrs, v.pcrs_len, &pcrs, NULL) == AEGIS_OK);

    /* NULL policy = default policy. */
    CHECK(aegis_quote_verify(ak, v.attest, v.attest_len, v.sig, v.sig_len, pcrs, v.nonce, v.nonce_len, NULL, &vq,
                             &err) == AEGIS_OK);
    if (vq) {
        uint16_t alg = 0xFFFF;
        uint8_t index = 0xFF;
        const uint8_t *value = NULL;
        size_t value_len = 0;
        size_t n = aegis_verified_quote_pcr_count(vq);
        CHECK(n == 3);
        CHECK(aegis_verified_quote_pcr_at(vq, 2, &alg, &index, &value, &value_len) == AEGIS_OK);
        CHECK(alg == 0x000B && index == 15 && value_len == 32 && value != NULL);
        /* Out of range: a status, outputs untouched. */
        alg = 0xFFFF;
        CHECK(aegis_verified_quote_pcr_at(vq, n, &alg, &index, &value, &value_len) == AEGIS_INVALID_ARGUMENT);
        CHECK(alg == 0xFFFF);
        CHECK(aegis_verified_quote_pcr_at(vq, 0, NULL, &index, &value, &value_len) == AEGIS_NULL_POINTER);
        test_pcrs_read(vq);
        test_quote_read(vq);
        {
            uint16_t bank = 0, hash = 0;
            uint8_t sel = 0xFF;
            const uint8_t *signer = NULL;
            size_t signer_len = 0;
            CHECK(aegis_verified_quote_selection_count(vq) == 3);
            CHECK(aegis_verified_quote_selection_at(vq, 2, &bank, &sel) == AEGIS_OK && bank == AEGIS_ALG_SHA256 &&
                  sel == 15);
            CHECK(aegis_verified_quote_hash(vq, &hash) == AEGIS_OK && hash == AEGIS_ALG_SHA256);
            CHECK(aegis_verified_quote_qualified_signer(vq, &signer, &signer_len) == AEGIS_OK && signer_len == 34 &&
                  signer[0] == 0 && signer[1] == 0x0B);
        }
    }

    /* The hash allow-list decides: SHA-384/512 only refuses this SHA-256 quote; SHA-256 admits it. */
    {
        aegis_quote_policy *p = NULL;
        aegis_verified_quote *vq4 = NULL;
        const uint16_t not256[2] = {AEGIS_ALG_SHA384, AEGIS_ALG_SHA512};
        const uint16_t only256[1] = {AEGIS_ALG_SHA256};
        CHECK(aegis_quote_policy_new(&p) == AEGIS_OK);
        CHECK(aegis_quote_policy_set_hashes(p, not256, 2, NULL) == AEGIS_OK);
        CHECK(aegis_quote_verify(ak, v.attest, v.attest_len, v.sig, v.sig_len, pcrs, v.nonce, v.nonce_len, p, &vq4,
                                 NULL) == AEGIS_HASH_NOT_ALLOWED);
        CHECK(vq4 == NULL);
        CHECK(aegis_quote_policy_set_hashes(p, only256, 1, NULL) == AEGIS_OK);
        CHECK(aegis_quote_verify(ak, v.attest, v.attest_len, v.sig, v.sig_len, pcrs, v.nonce, v.nonce_len, p, &vq4,
                                 NULL) == AEGIS_OK);
        aegis_verified_quote_free(vq4);
        aegis_quote_policy_free(p);
    }

    /* A failure leaves *out untouched: a wrong nonce (a byte flipped). */
    v.nonce[0] ^= 1;
    CHECK(aegis_quote_verify(ak, v.attest, v.attest_len, v.sig, v.sig_len, pcrs, v.nonce, v.nonce_len, NULL, &vq2,
                             &err) == AEGIS_NONCE_MISMATCH);
    CHECK(vq2 == vq_sentinel);
    CHECK(err != NULL && aegis_error_code(err) == AEGIS_NONCE_MISMATCH);
    CHECK(err != NULL && strcmp(aegis_error_name(err), "NonceMismatch") == 0);
    aegis_error_free(err);
    err = NULL;
    v.nonce[0] ^= 1;
    /* An empty nonce is refused (NULL with length 0 is allowed as a pair). */
    CHECK(aegis_quote_verify(ak, v.attest, v.attest_len, v.sig, v.sig_len, pcrs, NULL, 0, NULL, &vq2, NULL) ==
          AEGIS_EMPTY_NONCE);
    CHECK(vq2 == vq_sentinel);

    /* The explicit bare-key path (PEM SubjectPublicKeyInfo + the scheme the caller states). */
    CHECK(aegis_ak_from_bare_key_unchecked(v.pem, v.pem_len, 0x0014, 0x000B, &bare, &err) == AEGIS_OK);
    if (bare) {
        aegis_verified_quote *vq3 = NULL;
        CHECK(aegis_ak_name(bare, &name, &name_len) == AEGIS_INVALID_ARGUMENT);
        CHECK(!aegis_ak_is_checked(bare));
        CHECK(aegis_quote_verify(bare, v.attest, v.attest_len, v.sig, v.sig_len, pcrs, v.nonce, v.nonce_len, NULL,
                                 &vq3, NULL) == AEGIS_OK);
        aegis_verified_quote_free(vq3);
        /* The wrong scheme for this AK is refused, never "try every padding". */
        aegis_ak_free(bare);
        bare = NULL;
        CHECK(aegis_ak_from_bare_key_unchecked(v.pem, v.pem_len, 0x0016, 0x000B, &bare, NULL) == AEGIS_OK);
        {
            uint16_t scheme = 0, hash = 0;
            CHECK(aegis_ak_scheme(bare, &scheme, &hash) == AEGIS_OK && scheme == AEGIS_ALG_RSAPSS &&
                  hash == AEGIS_ALG_SHA256);
        }
        CHECK(aegis_quote_verify(bare, v.attest, v.attest_len, v.sig, v.sig_len, pcrs, v.nonce, v.nonce_len, NULL,
                                 &vq2, NULL) == AEGIS_SIGNATURE_SCHEME_MISMATCH);
        CHECK(vq2 == vq_sentinel);
    }
    {
        aegis_ak *other = NULL;
        /* An unknown scheme, and a scheme that does not fit the key type (ECDSA for RSA). */
        CHECK(aegis_ak_from_bare_key_unchecked(v.pem, v.pem_len, 0x0099, 0x000B, &other, NULL) ==
              AEGIS_UNKNOWN_ALGORITHM);
        CHECK(aegis_ak_from_bare_key_unchecked(v.pem, v.pem_len, 0x0018, 0x000B, &other, NULL) ==
              AEGIS_INVALID_ARGUMENT);
        CHECK(other == NULL);
    }

    aegis_ak_free(bare);
    aegis_verified_quote_free(vq);
    aegis_pcrs_free(pcrs);
    aegis_ak_free(ak);
    free_vector(&v);
}

static void test_panic_boundary(void) {
#if defined(AEGIS_TESTING)
    aegis_error *err = NULL;
    fprintf(stderr, "test_abi: two deliberate panics follow (aegis_testing_panic)\n");
    CHECK(aegis_testing_panic(&err) == AEGIS_PANIC);
    CHECK(err != NULL && aegis_error_code(err) == AEGIS_PANIC);
    CHECK(err != NULL && strcmp(aegis_error_name(err), "Panic") == 0);
    CHECK(err != NULL && strstr(aegis_error_message(err), "deliberate panic") != NULL);
    aegis_error_free(err);
    CHECK(aegis_testing_panic(NULL) == AEGIS_PANIC);
    /* The library still works after a caught panic. */
    CHECK(strcmp(aegis_status_str(AEGIS_PANIC), "unknown status code") != 0);
#else
    fprintf(stderr, "test_abi: built without AEGIS_TESTING: panic boundary not tested\n");
    failures++;
#endif
}

/* Geofence policy and decision: NULL arguments, an invalid policy's error naming the JSON path,
 * a reading that is not a location event, the PCR reference check (missing, mismatch, equal) and
 * the decision accessors out of range. The manifest's "geofence" vectors (test_manifest.c) walk
 * the rules themselves. */
static void test_geofence(void) {
    static const char policy_json[] =
        "{\"version\": 1, \"areas\": [{\"id\": \"site\", \"effect\": \"allow\", \"geometry\": "
        "{\"type\": \"Circle\", \"center\": [6.14, 46.2], \"radius_m\": 1000}}], "
        "\"max_accuracy_radius_m\": 100, \"max_age_s\": 300, \"pcr_references\": {\"sha256\": {\"0\": "
        "\"0000000000000000000000000000000000000000000000000000000000000000\"}}}";
    static const char bad_policy[] = "{\"version\": 1, \"countries\": {\"allow\": [\"CH\"]}, \"max_accuracy_radius_m\": 10, "
                                     "\"max_age_s\": 300, \"sensor_types\": [\"gnss\", \"ip\"]}";
    static const char reading[] =
        "{\"sensor_type\": \"gnss\", \"sensor_id\": \"g\", \"latitude\": 46.2, \"longitude\": 6.14, "
        "\"accuracy_m\": 10, \"time\": 1767225590, \"quality\": \"3d-fix\"}";
    static const char pcrs_zero[] =
        "{\"sha256\": {\"0\": \"0000000000000000000000000000000000000000000000000000000000000000\"}}";
    static const char pcrs_other[] =
        "{\"sha256\": {\"0\": \"0100000000000000000000000000000000000000000000000000000000000000\"}}";
    static const char pcrs_sha1[] = "{\"sha1\": {\"0\": \"0000000000000000000000000000000000000000\"}}";
    aegis_geofence_policy *policy = NULL, *none = NULL;
    aegis_geofence_decision *decision = NULL, *no_decision = NULL;
    aegis_pcrs *pcrs = NULL;
    aegis_error *err = NULL;
    bool passed = true;
    aegis_status st = AEGIS_OK;

    CHECK(aegis_geofence_policy_from_json(NULL, 1, &policy, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_geofence_policy_from_json((const uint8_t *)policy_json, strlen(policy_json), NULL, NULL) ==
          AEGIS_NULL_POINTER);
    CHECK(aegis_geofence_policy_from_json((const uint8_t *)bad_policy, strlen(bad_policy), &none, &err) ==
          AEGIS_GEOFENCE_POLICY_INVALID);
    CHECK(none == NULL && err != NULL && strcmp(aegis_error_name(err), "GeofencePolicyInvalid") == 0);
    CHECK(strstr(aegis_error_message(err), "at $.sensor_types[1]:") != NULL);
    aegis_error_free(err);
    err = NULL;
    CHECK(aegis_geofence_policy_from_json((const uint8_t *)policy_json, strlen(policy_json), &policy, &err) ==
          AEGIS_OK);
    CHECK(policy != NULL && err == NULL);

    CHECK(aegis_geofence_policy_evaluate(NULL, (const uint8_t *)reading, strlen(reading), 1767225600, false,
                                         &decision, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_geofence_policy_evaluate(policy, (const uint8_t *)"{}", 2, 1767225600, false, &no_decision, &err) ==
          AEGIS_INVALID_FORMAT);
    CHECK(no_decision == NULL && err != NULL);
    aegis_error_free(err);
    err = NULL;
    CHECK(aegis_geofence_policy_evaluate(policy, (const uint8_t *)reading, strlen(reading), 1767225600, false,
                                         &decision, &err) == AEGIS_OK);
    CHECK(aegis_geofence_decision_allowed(decision));
    CHECK(aegis_geofence_decision_reason_count(decision) == 5); /* reading, sensor, time, accuracy, area */
    CHECK(aegis_geofence_decision_reason(decision, 4, &passed, &st) == AEGIS_OK && passed && st == AEGIS_OK);
    CHECK(strcmp(aegis_geofence_decision_reason_rule(decision, 4), "area") == 0);
    CHECK(strstr(aegis_geofence_decision_reason_message(decision, 4), "\"site\"") != NULL);
    CHECK(aegis_geofence_decision_reason(decision, 5, &passed, &st) == AEGIS_INVALID_ARGUMENT);
    CHECK(aegis_geofence_decision_reason(decision, 0, NULL, &st) == AEGIS_NULL_POINTER);
    CHECK(strcmp(aegis_geofence_decision_reason_message(decision, 5), "") == 0);
    CHECK(strstr(aegis_geofence_decision_json(decision), "\"verdict\":\"allow\"") != NULL);
    aegis_geofence_decision_free(decision);
    /* Ten minutes later the reading is too old. */
    decision = NULL;
    CHECK(aegis_geofence_policy_evaluate(policy, (const uint8_t *)reading, strlen(reading), 1767226200, false,
                                         &decision, NULL) == AEGIS_OK);
    CHECK(!aegis_geofence_decision_allowed(decision));
    CHECK(aegis_geofence_decision_reason(decision, 2, &passed, &st) == AEGIS_OK && !passed &&
          st == AEGIS_GEOFENCE_READING_TOO_OLD);
    aegis_geofence_decision_free(decision);

    CHECK(aegis_pcrs_parse((const uint8_t *)pcrs_zero, strlen(pcrs_zero), &pcrs, NULL) == AEGIS_OK);
    CHECK(aegis_geofence_policy_check_pcr_references(policy, pcrs, NULL) == AEGIS_OK);
    aegis_pcrs_free(pcrs);
    pcrs = NULL;
    CHECK(aegis_pcrs_parse((const uint8_t *)pcrs_other, strlen(pcrs_other), &pcrs, NULL) == AEGIS_OK);
    CHECK(aegis_geofence_policy_check_pcr_references(policy, pcrs, &err) == AEGIS_PCR_REFERENCE_MISMATCH);
    CHECK(err != NULL && strcmp(aegis_error_name(err), "PcrReferenceMismatch") == 0);
    aegis_error_free(err);
    aegis_pcrs_free(pcrs);
    pcrs = NULL;
    CHECK(aegis_pcrs_parse((const uint8_t *)pcrs_sha1, strlen(pcrs_sha1), &pcrs, NULL) == AEGIS_OK);
    CHECK(aegis_geofence_policy_check_pcr_references(policy, pcrs, NULL) == AEGIS_PCR_REFERENCE_MISSING);
    CHECK(aegis_geofence_policy_check_pcr_references(policy, NULL, NULL) == AEGIS_NULL_POINTER);
    aegis_pcrs_free(pcrs);

    /* NULL decisions and frees. */
    CHECK(!aegis_geofence_decision_allowed(NULL));
    CHECK(aegis_geofence_decision_reason_count(NULL) == 0);
    CHECK(strcmp(aegis_geofence_decision_json(NULL), "") == 0);
    CHECK(strcmp(aegis_geofence_decision_reason_rule(NULL, 0), "") == 0);
    aegis_geofence_decision_free(NULL);
    aegis_geofence_policy_free(NULL);
    aegis_geofence_policy_free(policy);
}

static void test_geo_resolve(void) {
    aegis_resolution *r = NULL, *sentinel = (aegis_resolution *)&failures;
    aegis_error *err = NULL;
    /* NULL out: refused; bad readings: their own codes, nothing written. */
    CHECK(aegis_geo_resolve(46.2, 6.1, 0.0, NULL, NULL) == AEGIS_NULL_POINTER);
    r = sentinel;
    CHECK(aegis_geo_resolve(91.0, 0.0, 0.0, &r, &err) == AEGIS_LATITUDE_OUT_OF_RANGE);
    CHECK(r == sentinel && err && strcmp(aegis_error_name(err), "LatitudeOutOfRange") == 0);
    aegis_error_free(err);
    CHECK(aegis_geo_resolve(0.0, NAN, 0.0, &r, NULL) == AEGIS_LONGITUDE_OUT_OF_RANGE);
    CHECK(aegis_geo_resolve(0.0, 0.0, -1.0, &r, NULL) == AEGIS_INVALID_ACCURACY);
    CHECK(r == sentinel);
    /* Llivia: a resolved Spanish exclave in France. */
    r = NULL;
    CHECK(aegis_geo_resolve(42.4636, 1.9806, 0.0, &r, NULL) == AEGIS_OK);
    CHECK(aegis_resolution_status(r) == AEGIS_RESOLUTION_RESOLVED);
    CHECK(strcmp(aegis_resolution_country(r), "ES") == 0);
    CHECK(strcmp(aegis_resolution_subdivision(r), "ES-CT") == 0);
    CHECK(aegis_resolution_country_exclave(r));
    CHECK(strcmp(aegis_resolution_enclosing_exclave_country(r), "FR") == 0);
    CHECK(aegis_resolution_candidate_count(r) == 0);
    CHECK(strcmp(aegis_resolution_candidate_at(r, 0), "") == 0);
    aegis_resolution_free(r);
    /* Accessors and free accept NULL. */
    CHECK(aegis_resolution_status(NULL) == 0);
    CHECK(strcmp(aegis_resolution_country(NULL), "") == 0);
    CHECK(strcmp(aegis_resolution_json(NULL), "") == 0);
    CHECK(aegis_resolution_subdivision_candidate_count(NULL) == 0);
    CHECK(!aegis_resolution_country_exclave(NULL));
    aegis_resolution_free(NULL);
}

/* The evidence bundle surface (docs/evidence-bundle.md): NULL arguments, a malformed bundle
 * refused with AEGIS_EVIDENCE_BUNDLE_INVALID naming the member at fault, a nonce the verifier did
 * not issue (no result), a result without the verifier's inputs (every accessor, in and out of
 * range) and NULL-safe accessors and frees. The manifest's "bundle" vectors (test_manifest.c)
 * walk the appraisal itself. */
static void test_bundle(const char *dir) {
    uint8_t *text = NULL, *nonce = NULL, *hex = NULL;
    size_t len = 0, nonce_len = 0, hex_len = 0;
    char *bad, *at;
    const char *member = "\"app_key_public\": \"";
    const char *submod = NULL, *check = NULL;
    aegis_status code = AEGIS_OK;
    aegis_evidence_bundle *bundle = NULL, *none = NULL;
    aegis_enrolment_record *record = NULL;
    aegis_attestation_result *result = NULL, *no_result = NULL;
    aegis_error *err = NULL;
    if (!read_file(dir, "bundle/ecc-geneva/bundle.json", &text, &len) ||
        !read_file(dir, "bundle/ecc-geneva/nonce.hex", &hex, &hex_len)) {
        CHECK(!"bundle/ecc-geneva is readable");
        free(text);
        free(hex);
        return;
    }
    while (hex_len && (hex[hex_len - 1] == '\n' || hex[hex_len - 1] == '\r')) hex[--hex_len] = '\0';
    CHECK(hex_decode((const char *)hex, &nonce, &nonce_len));

    CHECK(aegis_evidence_bundle_from_json(NULL, 1, &none, NULL) == AEGIS_NULL_POINTER && none == NULL);
    CHECK(aegis_evidence_bundle_from_json(text, len, NULL, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_evidence_bundle_from_json((const uint8_t *)"{", 1, &none, NULL) == AEGIS_EVIDENCE_BUNDLE_INVALID &&
          none == NULL);
    /* A character outside base64 at the start of the App Key's public area. */
    bad = malloc(len + 2);
    CHECK(bad != NULL);
    if (bad) {
        memcpy(bad, text, len);
        bad[len] = '\0';
        at = strstr(bad, member);
        CHECK(at != NULL);
        if (at) {
            at += strlen(member);
            memmove(at + 1, at, strlen(at) + 1);
            *at = '!';
            CHECK(aegis_evidence_bundle_from_json((const uint8_t *)bad, strlen(bad), &none, &err) ==
                  AEGIS_EVIDENCE_BUNDLE_INVALID);
            CHECK(none == NULL && err != NULL && aegis_error_code(err) == AEGIS_EVIDENCE_BUNDLE_INVALID &&
                  strcmp(aegis_error_name(err), "EvidenceBundleInvalid") == 0 &&
                  strstr(aegis_error_message(err), "$.app_key_public") != NULL);
            aegis_error_free(err);
            err = NULL;
        }
        free(bad);
    }
    CHECK(aegis_enrolment_record_from_json(NULL, 1, &record, NULL) == AEGIS_NULL_POINTER && record == NULL);
    CHECK(aegis_enrolment_record_from_json((const uint8_t *)"{}", 2, &record, NULL) != AEGIS_OK && record == NULL);
    CHECK(aegis_enrolment_record_from_json((const uint8_t *)"{}", 2, NULL, NULL) == AEGIS_NULL_POINTER);

    CHECK(aegis_evidence_bundle_from_json(text, len, &bundle, NULL) == AEGIS_OK && bundle != NULL);
    CHECK(aegis_bundle_appraise(NULL, NULL, NULL, NULL, NULL, nonce, nonce_len, 0, false, false, &no_result, NULL) ==
          AEGIS_NULL_POINTER);
    CHECK(aegis_bundle_appraise(bundle, NULL, NULL, NULL, NULL, nonce, nonce_len, 0, false, false, NULL, NULL) ==
          AEGIS_NULL_POINTER);
    CHECK(aegis_bundle_appraise(bundle, NULL, NULL, NULL, NULL, NULL, 1, 0, false, false, &no_result, NULL) ==
          AEGIS_NULL_POINTER);
    CHECK(aegis_bundle_appraise(bundle, NULL, NULL, NULL, NULL, (const uint8_t *)"\0", 1, 0, false, false, &no_result,
                                &err) == AEGIS_EVIDENCE_NONCE_MISMATCH);
    CHECK(no_result == NULL && err && aegis_error_code(err) == AEGIS_EVIDENCE_NONCE_MISMATCH);
    aegis_error_free(err);
    err = NULL;

    /* No enrolment record, no EK roots, no geofence: the AK is bound to no EK (contraindicated),
     * the EK certificate not required (skipped), the location still appraised. */
    CHECK(aegis_bundle_appraise(bundle, NULL, NULL, NULL, NULL, nonce, nonce_len, 0, false, false, &result, NULL) ==
          AEGIS_OK);
    CHECK(strcmp(aegis_attestation_result_status(result), "contraindicated") == 0);
    CHECK(aegis_attestation_result_submod_count(result) == 3);
    CHECK(strcmp(aegis_attestation_result_submod_name(result, 0), "platform") == 0);
    CHECK(strcmp(aegis_attestation_result_submod_status(result, 2), "affirming") == 0);
    CHECK(strcmp(aegis_attestation_result_submod_name(result, 3), "") == 0);
    CHECK(strcmp(aegis_attestation_result_submod_status(result, 3), "") == 0);
    CHECK(aegis_attestation_result_failure_count(result) == 2); /* ak-binding in both submods */
    CHECK(aegis_attestation_result_failure(result, 1, &submod, &check, &code) == AEGIS_OK &&
          strcmp(submod, "workload-key") == 0 && strcmp(check, "ak-binding") == 0 &&
          code == AEGIS_AK_BINDING_MISMATCH);
    CHECK(aegis_attestation_result_failure_reason(result, 1)[0] != '\0');
    CHECK(aegis_attestation_result_failure(result, 2, &submod, &check, &code) == AEGIS_INVALID_ARGUMENT);
    CHECK(aegis_attestation_result_failure(result, 0, NULL, &check, &code) == AEGIS_NULL_POINTER);
    CHECK(strcmp(aegis_attestation_result_failure_reason(result, 2), "") == 0);
    CHECK(strcmp(aegis_attestation_result_country(result), "CH") == 0);
    CHECK(strstr(aegis_attestation_result_json(result), "\"outcome\":\"skipped\"") != NULL);

    /* The result signed as an EAR (JWT and CWT) verifies back with the key's public half, carries
     * the appraisal nonce and the status, and expires at exp. */
    {
        aegis_private_key *sk = NULL;
        aegis_public_key *pk = NULL;
        aegis_string *jwt = NULL;
        aegis_bytes *cwt = NULL;
        aegis_ear *ear = NULL;
        aegis_string *claims = NULL;
        const uint64_t iat = 1700000000, exp = 1700000300;
        CHECK(aegis_private_key_generate(AEGIS_KEY_ECC_P256, &sk, NULL) == AEGIS_OK);
        CHECK(aegis_private_key_public_key(sk, &pk) == AEGIS_OK);
        CHECK(aegis_attestation_result_sign_jwt(NULL, sk, iat, exp, AEGIS_EAR_DIALECT_IETF_04, &jwt, NULL) ==
                  AEGIS_NULL_POINTER &&
              jwt == NULL);
        CHECK(aegis_attestation_result_sign_jwt(result, NULL, iat, exp, AEGIS_EAR_DIALECT_IETF_04, &jwt, NULL) ==
                  AEGIS_NULL_POINTER &&
              jwt == NULL);
        CHECK(aegis_attestation_result_sign_jwt(result, sk, iat, exp, AEGIS_EAR_DIALECT_IETF_04, NULL, NULL) ==
              AEGIS_NULL_POINTER);
        CHECK(aegis_attestation_result_sign_jwt(result, sk, exp, exp, AEGIS_EAR_DIALECT_IETF_04, &jwt, &err) ==
                  AEGIS_INVALID_ARGUMENT &&
              jwt == NULL && err != NULL && strstr(aegis_error_message(err), "exp") != NULL);
        aegis_error_free(err);
        err = NULL;
        CHECK(aegis_attestation_result_sign_cwt(result, sk, iat, exp, 99, &cwt, NULL) == AEGIS_INVALID_ARGUMENT &&
              cwt == NULL);
        CHECK(aegis_attestation_result_sign_jwt(result, sk, iat, exp, AEGIS_EAR_DIALECT_IETF_04, &jwt, NULL) ==
              AEGIS_OK);
        CHECK(aegis_ear_verify(pk, (const uint8_t *)aegis_string_ptr(jwt), aegis_string_len(jwt), iat + 1, nonce,
                               nonce_len, 0, &ear, NULL) == AEGIS_OK);
        CHECK(aegis_ear_claims_json(ear, &claims, NULL) == AEGIS_OK);
        CHECK(strstr(aegis_string_ptr(claims), "\"ear_status\":\"contraindicated\"") != NULL);
        CHECK(strstr(aegis_string_ptr(claims), "\"aegis ") != NULL); /* the verifier id's build */
        aegis_string_free(claims);
        aegis_ear_free(ear);
        ear = NULL;
        CHECK(aegis_ear_verify(pk, (const uint8_t *)aegis_string_ptr(jwt), aegis_string_len(jwt), exp, nonce,
                               nonce_len, 0, &ear, NULL) == AEGIS_EAR_EXPIRED &&
              ear == NULL);
        CHECK(aegis_attestation_result_sign_cwt(result, sk, iat, exp, AEGIS_EAR_DIALECT_VERAISON, &cwt, NULL) ==
              AEGIS_OK);
        CHECK(aegis_ear_verify(pk, aegis_bytes_ptr(cwt), aegis_bytes_len(cwt), iat, nonce, nonce_len, 0, &ear, NULL) ==
              AEGIS_OK);
        aegis_ear_free(ear);
        aegis_bytes_free(cwt);
        aegis_string_free(jwt);
        aegis_public_key_free(pk);
        aegis_private_key_free(sk);
    }

    CHECK(strcmp(aegis_attestation_result_status(NULL), "") == 0);
    CHECK(aegis_attestation_result_submod_count(NULL) == 0);
    CHECK(aegis_attestation_result_failure_count(NULL) == 0);
    CHECK(aegis_attestation_result_failure(NULL, 0, &submod, &check, &code) == AEGIS_NULL_POINTER);
    CHECK(strcmp(aegis_attestation_result_country(NULL), "") == 0);
    CHECK(strcmp(aegis_attestation_result_json(NULL), "") == 0);
    aegis_attestation_result_free(NULL);
    aegis_evidence_bundle_free(NULL);
    aegis_enrolment_record_free(NULL);
    aegis_attestation_result_free(result);
    aegis_evidence_bundle_free(bundle);
    free(text);
    free(hex);
    free(nonce);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "testdata";
    test_static_strings();
    test_null_handling();
    test_policy_arguments();
    test_hash_allow_list();
    test_geofence();
    test_verify_paths(dir);
    test_bundle(dir);
    test_panic_boundary();
    test_geo_resolve();
    printf("test_abi: %s (%d failed check%s)\n", failures ? "FAILED" : "ok", failures, failures == 1 ? "" : "s");
    return failures ? 1 : 0;
}
