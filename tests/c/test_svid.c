/*
 * test_svid.c: the C ABI of X.509-SVIDs and the gateway decision, checked from C (run under
 * ASan/UBSan and valgrind by make test-c):
 *
 * - every chain of testdata/svid/index.json (made by make_svid_vectors.py with Python
 *   cryptography, one per broken SPIFFE rule) through aegis_svid_verify: the expected verdict and
 *   error name;
 * - the valid chain's JSON carries its SPIFFE ID, the AttestedClaims and the EAR; a trust domain
 *   that is not the leaf's is AEGIS_SVID_TRUST_DOMAIN_MISMATCH;
 * - aegis_attested_claims_extension_make and aegis_cmw_extension_make: DER UTF8String and CMW
 *   CHOICE bytes, refusals of bad JSON, an unknown form or dialect;
 * - aegis_gateway_check on the valid chain (a decision, allowed or not, as JSON) and on an
 *   untrusted one (denied, not an error); an invalid policy is AEGIS_GATEWAY_POLICY_INVALID;
 * - NULL arguments.
 *
 * Usage: test_svid TESTDATA_DIR   Exit status 1 on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aegis.h"
#include "json.h"
#include "util.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        checks++;                                                                        \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);     \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

static char svid_dir[4096];

static int load(const char *rel, uint8_t **buf, size_t *len) {
    if (!read_file(svid_dir, rel, buf, len)) {
        fprintf(stderr, "cannot read %s/%s\n", svid_dir, rel);
        failures++;
        return 0;
    }
    return 1;
}

/* Verifies chain file `rel`; returns the status and the error name (or "") in `name`. */
static aegis_status verify(const char *rel, const uint8_t *bundle, size_t bundle_len,
                           const char *trust_domain, uint64_t now, char *name, size_t name_len,
                           aegis_string **json_out) {
    uint8_t *chain = NULL;
    size_t chain_len = 0;
    name[0] = 0;
    if (!load(rel, &chain, &chain_len)) return AEGIS_INVALID_ARGUMENT;
    aegis_string *out = NULL;
    aegis_error *err = NULL;
    aegis_status st = aegis_svid_verify(chain, chain_len, bundle, bundle_len,
                                        (const uint8_t *)trust_domain,
                                        trust_domain ? strlen(trust_domain) : 0, now, &out, &err);
    if (err) {
        snprintf(name, name_len, "%s", aegis_error_name(err));
        aegis_error_free(err);
    }
    if (json_out) {
        *json_out = out;
    } else {
        aegis_string_free(out);
    }
    free(chain);
    return st;
}

static void walk_index(const json *index, const uint8_t *bundle, size_t bundle_len, uint64_t now) {
    const json *vectors = json_get(index, "vectors");
    CHECK(vectors && vectors->type == JSON_ARRAY && vectors->count > 20);
    if (!vectors) return;
    for (size_t i = 0; i < vectors->count; i++) {
        const json *v = vectors->items[i];
        const char *id = json_str(json_get(v, "id"));
        const char *chain = json_str(json_get(v, "chain"));
        const json *expect = json_get(v, "expect");
        const char *verdict = json_str(json_get(expect, "verdict"));
        const char *want = json_str(json_get(expect, "error"));
        char name[128];
        aegis_status st = verify(chain, bundle, bundle_len, NULL, now, name, sizeof name, NULL);
        int ok = strcmp(verdict, "valid") == 0 ? st == AEGIS_OK
                                                : (st != AEGIS_OK && want && strcmp(name, want) == 0);
        checks++;
        if (!ok) {
            fprintf(stderr, "svid vector %s: status %d %s, expected %s %s\n", id, (int)st, name,
                    verdict, want ? want : "");
            failures++;
        }
    }
}

static void valid_chain_json(const uint8_t *bundle, size_t bundle_len, uint64_t now,
                             const char *spiffe_id) {
    char name[128];
    aegis_string *out = NULL;
    CHECK(verify("valid.chain.pem", bundle, bundle_len, "example.org", now, name, sizeof name,
                 &out) == AEGIS_OK);
    if (out) {
        char err[256];
        json *j = json_parse(aegis_string_ptr(out), aegis_string_len(out), err, sizeof err);
        CHECK(j != NULL);
        if (j) {
            CHECK(strcmp(json_str(json_get(j, "spiffe_id")), spiffe_id) == 0);
            const json *claims = json_get(j, "attested_claims");
            CHECK(claims && claims->type == JSON_OBJECT);
            const json *ear = json_get(j, "ear");
            CHECK(ear && strcmp(json_str(json_get(ear, "format")), "jwt") == 0);
            CHECK(json_str(json_get(ear, "token")) != NULL);
            json_free(j);
        }
        aegis_string_free(out);
    }
    CHECK(verify("valid.chain.pem", bundle, bundle_len, "other.example", now, name, sizeof name,
                 NULL) == AEGIS_SVID_TRUST_DOMAIN_MISMATCH);
}

static void extensions(void) {
    const char *claims = "{\"grc.workload\": {\"spiffe_id\": \"spiffe://example.org/w\"}}";
    aegis_bytes *der = NULL;
    aegis_error *err = NULL;
    CHECK(aegis_attested_claims_extension_make((const uint8_t *)claims, strlen(claims), &der,
                                               &err) == AEGIS_OK);
    if (der) {
        const uint8_t *p = aegis_bytes_ptr(der);
        /* A DER UTF8String (tag 12) holding the JSON as given. */
        CHECK(p[0] == 0x0c && aegis_bytes_len(der) == strlen(claims) + 2);
        CHECK(memcmp(p + 2, claims, strlen(claims)) == 0);
        aegis_bytes_free(der);
    }
    der = NULL;
    CHECK(aegis_attested_claims_extension_make((const uint8_t *)"[1]", 3, &der, &err) ==
          AEGIS_SVID_ATTESTED_CLAIMS_MALFORMED);
    CHECK(der == NULL && err != NULL);
    aegis_error_free(err);
    err = NULL;
    const char *dup = "{\"a\": 1, \"a\": 2}";
    CHECK(aegis_attested_claims_extension_make((const uint8_t *)dup, strlen(dup), &der, NULL) !=
          AEGIS_OK);

    uint8_t *jwt = NULL;
    size_t jwt_len = 0;
    if (load("ear.jwt", &jwt, &jwt_len)) {
        while (jwt_len && (jwt[jwt_len - 1] == '\n' || jwt[jwt_len - 1] == '\r')) jwt_len--;
        CHECK(aegis_cmw_extension_make(jwt, jwt_len, AEGIS_EAR_FORM_JWT,
                                       AEGIS_EAR_DIALECT_IETF_04, &der, NULL) == AEGIS_OK);
        if (der) {
            /* The CMW CHOICE's json arm: a UTF8String holding a JSON record. */
            CHECK(aegis_bytes_ptr(der)[0] == 0x0c && aegis_bytes_len(der) > jwt_len);
            aegis_bytes_free(der);
            der = NULL;
        }
        CHECK(aegis_cmw_extension_make(jwt, jwt_len, 7, AEGIS_EAR_DIALECT_IETF_04, &der, NULL) ==
              AEGIS_INVALID_ARGUMENT);
        CHECK(aegis_cmw_extension_make(jwt, jwt_len, AEGIS_EAR_FORM_JWT, 99, &der, NULL) ==
              AEGIS_INVALID_ARGUMENT);
        CHECK(der == NULL);
        free(jwt);
    }
    CHECK(aegis_cmw_extension_make(NULL, 3, AEGIS_EAR_FORM_JWT, 0, &der, NULL) ==
          AEGIS_NULL_POINTER);
    CHECK(aegis_attested_claims_extension_make((const uint8_t *)"{}", 2, NULL, NULL) ==
          AEGIS_NULL_POINTER);
    CHECK(strcmp(AEGIS_OID_ATTESTED_CLAIMS, "1.3.6.1.4.1.55744.1.1") == 0);
    CHECK(strcmp(AEGIS_OID_CMW, "1.3.6.1.5.5.7.1.35") == 0);
}

static void gateway(const uint8_t *bundle, size_t bundle_len, uint64_t now, const char *key_rel) {
    uint8_t *key_pem = NULL, *chain = NULL, *untrusted = NULL;
    size_t key_len = 0, chain_len = 0, untrusted_len = 0;
    if (!load(key_rel, &key_pem, &key_len) || !load("valid.chain.pem", &chain, &chain_len) ||
        !load("untrusted-root.chain.pem", &untrusted, &untrusted_len)) {
        free(key_pem);
        free(chain);
        free(untrusted);
        return;
    }
    aegis_private_key *priv = NULL;
    aegis_public_key *pub = NULL;
    CHECK(aegis_private_key_from_pem(key_pem, key_len, &priv, NULL) == AEGIS_OK);
    CHECK(aegis_private_key_public_key(priv, &pub) == AEGIS_OK);
    const char *policy = "{\"version\": 1}";
    aegis_string *out = NULL;
    bool allowed = true;
    CHECK(aegis_gateway_check(chain, chain_len, bundle, bundle_len, (const uint8_t *)policy,
                              strlen(policy), pub, now, &out, &allowed, NULL) == AEGIS_OK);
    CHECK(out && strstr(aegis_string_ptr(out), "\"verdict\"") != NULL);
    CHECK(out && strstr(aegis_string_ptr(out), allowed ? "\"allow\"" : "\"deny\"") != NULL);
    aegis_string_free(out);
    out = NULL;
    allowed = true;
    CHECK(aegis_gateway_check(untrusted, untrusted_len, bundle, bundle_len,
                              (const uint8_t *)policy, strlen(policy), pub, now, &out, &allowed,
                              NULL) == AEGIS_OK);
    CHECK(!allowed && out && strstr(aegis_string_ptr(out), "SvidUntrusted") != NULL);
    aegis_string_free(out);
    out = NULL;
    const char *bad = "{\"version\": 1, \"nonsense\": true}";
    aegis_error *err = NULL;
    CHECK(aegis_gateway_check(chain, chain_len, bundle, bundle_len, (const uint8_t *)bad,
                              strlen(bad), pub, now, &out, &allowed, &err) ==
          AEGIS_GATEWAY_POLICY_INVALID);
    CHECK(out == NULL && err != NULL);
    aegis_error_free(err);
    CHECK(aegis_gateway_check(chain, chain_len, bundle, bundle_len, (const uint8_t *)policy,
                              strlen(policy), NULL, now, &out, &allowed, NULL) ==
          AEGIS_NULL_POINTER);
    aegis_public_key_free(pub);
    aegis_private_key_free(priv);
    free(key_pem);
    free(chain);
    free(untrusted);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s TESTDATA_DIR\n", argv[0]);
        return 2;
    }
    snprintf(svid_dir, sizeof svid_dir, "%s/svid", argv[1]);
    uint8_t *index_text = NULL, *bundle = NULL;
    size_t index_len = 0, bundle_len = 0;
    if (!load("index.json", &index_text, &index_len) || !load("bundle.pem", &bundle, &bundle_len))
        return 1;
    char err[256];
    json *index = json_parse((const char *)index_text, index_len, err, sizeof err);
    CHECK(index != NULL);
    uint64_t now = 0;
    if (index) {
        CHECK(json_u64(json_get(index, "time"), &now));
        walk_index(index, bundle, bundle_len, now);
        valid_chain_json(bundle, bundle_len, now, json_str(json_get(index, "spiffe_id")));
        gateway(bundle, bundle_len, now, json_str(json_get(index, "ear_key")));
        json_free(index);
    }
    extensions();
    char name[64];
    CHECK(verify("valid.chain.pem", NULL, 5, NULL, now, name, sizeof name, NULL) ==
          AEGIS_NULL_POINTER);
    free(index_text);
    free(bundle);
    printf("test_svid: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
