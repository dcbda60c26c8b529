/*
 * test_svid.c: the C ABI of X.509-SVIDs and the gateway decision, checked from C (run under
 * ASan/UBSan and valgrind by make test-c):
 *
 * - the valid chain's JSON carries its SPIFFE ID, the AttestedClaims and the EAR (every chain of
 *   testdata/svid, one per broken SPIFFE rule, and the gateway vectors are manifest vectors of
 *   kinds "svid" and "gateway", walked by test_manifest.c);
 * - aegis_attested_claims_extension_make and aegis_cmw_extension_make: DER UTF8String and CMW
 *   CHOICE bytes, refusals of bad JSON, an unknown form or dialect;
 * - aegis_gateway_check on the valid chain (a decision, allowed or not, as JSON) and on an
 *   untrusted one (denied, not an error); an invalid policy is AEGIS_GATEWAY_POLICY_INVALID;
 * - aegis_network_verifier_new and aegis_gateway_check with it on a mobile reading: allowed when
 *   the callback answers TRUE (the callback called once for two checks within the cache TTL, with
 *   the query's JSON), denied when it answers FALSE (AEGIS_GATEWAY_NETWORK_LOCATION_NOT_VERIFIED),
 *   returns an error or an unknown verdict (AEGIS_GATEWAY_NETWORK_VERIFIER_UNAVAILABLE, not
 *   cached), or with no verifier (AEGIS_GATEWAY_NETWORK_VERIFIER_MISSING);
 * - aegis_svid_ca_issue and aegis_svid_issue: a CA and a leaf with both extensions verified back,
 *   and each refusal with its status;
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

/* DER certificate -> PEM text (base64 in 64-character lines), NUL-terminated; the caller frees. */
static char *der_to_pem(const uint8_t *der, size_t len) {
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t cap = 64 + (len + 2) / 3 * 4 + (len + 2) / 3 * 4 / 64 + 64, n = 0, col = 0, i;
    char *out = malloc(cap);
    if (!out) return NULL;
    n += (size_t)sprintf(out, "-----BEGIN CERTIFICATE-----\n");
    for (i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)der[i] << 16 | (i + 1 < len ? (uint32_t)der[i + 1] << 8 : 0) |
                     (i + 2 < len ? der[i + 2] : 0);
        out[n++] = b64[v >> 18 & 63];
        out[n++] = b64[v >> 12 & 63];
        out[n++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
        out[n++] = i + 2 < len ? b64[v & 63] : '=';
        if ((col += 4) == 64) { out[n++] = '\n'; col = 0; }
    }
    if (col) out[n++] = '\n';
    n += (size_t)sprintf(out + n, "-----END CERTIFICATE-----\n");
    return out;
}

/* aegis_svid_ca_issue and aegis_svid_issue: a CA for demo.example, a leaf with the AttestedClaims
 * and CMW extensions that aegis_svid_verify accepts against that CA and reads back; then each
 * refusal the Rust tests assert (aegis-core/tests/svid_issue.rs): a bad serial and notAfter
 * before notBefore (AEGIS_INVALID_ARGUMENT), a SPIFFE ID without path (AEGIS_INVALID_ARGUMENT)
 * or not spiffe:// (AEGIS_SVID_ID_NOT_SPIFFE), an invalid trust domain, a signer that is not the
 * issuer, NULL arguments. */
static void issue(uint64_t now) {
    uint8_t *claims = NULL, *jwt = NULL;
    size_t claims_len = 0, jwt_len = 0;
    aegis_private_key *ca_key = NULL, *leaf_key = NULL;
    aegis_public_key *leaf_pub = NULL;
    aegis_bytes *ca = NULL, *leaf = NULL, *none = NULL;
    aegis_error *err = NULL;
    aegis_string *verified = NULL;
    char *ca_pem = NULL, *leaf_pem = NULL;
    const uint8_t serial[] = {0x01, 0x23, 0x45}, zero[] = {0, 0};
    const char *td = "demo.example", *org = "Aegis demo", *id = "spiffe://demo.example/agent/1";
    aegis_svid_template t;
    if (!load("attested-claims.json", &claims, &claims_len) || !load("ear.jwt", &jwt, &jwt_len)) goto done;
    while (jwt_len && (jwt[jwt_len - 1] == '\n' || jwt[jwt_len - 1] == '\r')) jwt_len--;
    CHECK(aegis_private_key_generate(AEGIS_KEY_ECC_P256, &ca_key, NULL) == AEGIS_OK);
    CHECK(aegis_private_key_generate(AEGIS_KEY_ECC_P256, &leaf_key, NULL) == AEGIS_OK);
    CHECK(aegis_private_key_public_key(leaf_key, &leaf_pub) == AEGIS_OK);
    if (!ca_key || !leaf_pub) goto done;
    CHECK(aegis_svid_ca_issue((const uint8_t *)td, strlen(td), (const uint8_t *)org, strlen(org), serial,
                              sizeof serial, now - 60, now + 86400, ca_key, &ca, NULL) == AEGIS_OK);
    if (!ca) goto done;
    memset(&t, 0, sizeof t);
    t.spiffe_id = (const uint8_t *)id;
    t.spiffe_id_len = strlen(id);
    t.public_key = leaf_pub;
    t.serial = serial;
    t.serial_len = sizeof serial;
    t.not_before = now - 60;
    t.not_after = now + 3600;
    t.attested_claims = claims;
    t.attested_claims_len = claims_len;
    t.ear = jwt;
    t.ear_len = jwt_len;
    t.ear_form = AEGIS_EAR_FORM_JWT;
    t.ear_dialect = AEGIS_EAR_DIALECT_IETF_04;
    CHECK(aegis_svid_issue(&t, aegis_bytes_ptr(ca), aegis_bytes_len(ca), ca_key, &leaf, NULL) == AEGIS_OK);
    if (!leaf) goto done;
    ca_pem = der_to_pem(aegis_bytes_ptr(ca), aegis_bytes_len(ca));
    leaf_pem = der_to_pem(aegis_bytes_ptr(leaf), aegis_bytes_len(leaf));
    /* The issuer given as PEM works too. */
    aegis_bytes_free(leaf);
    leaf = NULL;
    CHECK(aegis_svid_issue(&t, (const uint8_t *)ca_pem, strlen(ca_pem), ca_key, &leaf, NULL) == AEGIS_OK);
    CHECK(aegis_svid_verify((const uint8_t *)leaf_pem, strlen(leaf_pem), (const uint8_t *)ca_pem, strlen(ca_pem),
                            (const uint8_t *)td, strlen(td), now, &verified, NULL) == AEGIS_OK);
    if (verified) {
        char jerr[128];
        json *j = json_parse(aegis_string_ptr(verified), aegis_string_len(verified), jerr, sizeof jerr);
        const json *ac = json_get(j, "attested_claims");
        CHECK(j && strcmp(json_str(json_get(j, "spiffe_id")), id) == 0);
        CHECK(ac && ac->type == JSON_OBJECT && json_get(ac, "grc.tpm-attestation") != NULL);
        CHECK(json_str(json_get(json_get(j, "ear"), "token")) &&
              strlen(json_str(json_get(json_get(j, "ear"), "token"))) == jwt_len);
        json_free(j);
    }

    /* Refusals: the status the Rust tests assert, nothing written to *out. */
    t.serial = zero;
    t.serial_len = sizeof zero;
    CHECK(aegis_svid_issue(&t, aegis_bytes_ptr(ca), aegis_bytes_len(ca), ca_key, &none, &err) ==
          AEGIS_INVALID_ARGUMENT);
    CHECK(none == NULL && err && strstr(aegis_error_message(err), "serial") != NULL);
    aegis_error_free(err);
    err = NULL;
    t.serial = serial;
    t.serial_len = sizeof serial;
    t.not_after = now - 3600;
    CHECK(aegis_svid_issue(&t, aegis_bytes_ptr(ca), aegis_bytes_len(ca), ca_key, &none, &err) ==
          AEGIS_INVALID_ARGUMENT);
    CHECK(none == NULL && err && strstr(aegis_error_message(err), "notAfter before notBefore") != NULL);
    aegis_error_free(err);
    err = NULL;
    t.not_after = now + 3600;
    t.spiffe_id = (const uint8_t *)"spiffe://demo.example";
    t.spiffe_id_len = strlen("spiffe://demo.example");
    CHECK(aegis_svid_issue(&t, aegis_bytes_ptr(ca), aegis_bytes_len(ca), ca_key, &none, NULL) ==
          AEGIS_INVALID_ARGUMENT);
    t.spiffe_id = (const uint8_t *)"https://demo.example/agent/1";
    t.spiffe_id_len = strlen("https://demo.example/agent/1");
    CHECK(aegis_svid_issue(&t, aegis_bytes_ptr(ca), aegis_bytes_len(ca), ca_key, &none, NULL) ==
          AEGIS_SVID_ID_NOT_SPIFFE);
    t.spiffe_id = (const uint8_t *)id;
    t.spiffe_id_len = strlen(id);
    CHECK(aegis_svid_issue(&t, aegis_bytes_ptr(ca), aegis_bytes_len(ca), leaf_key, &none, NULL) ==
          AEGIS_INVALID_ARGUMENT);
    t.ear_form = 7;
    CHECK(aegis_svid_issue(&t, aegis_bytes_ptr(ca), aegis_bytes_len(ca), ca_key, &none, NULL) ==
          AEGIS_INVALID_ARGUMENT);
    t.ear_form = AEGIS_EAR_FORM_JWT;
    CHECK(none == NULL);
    CHECK(aegis_svid_ca_issue((const uint8_t *)td, strlen(td), (const uint8_t *)org, strlen(org), zero, sizeof zero,
                              now - 60, now + 86400, ca_key, &none, NULL) == AEGIS_INVALID_ARGUMENT);
    CHECK(aegis_svid_ca_issue((const uint8_t *)td, strlen(td), (const uint8_t *)org, strlen(org), serial,
                              sizeof serial, now + 86400, now - 60, ca_key, &none, NULL) == AEGIS_INVALID_ARGUMENT);
    CHECK(aegis_svid_ca_issue((const uint8_t *)"Demo.example", 12, (const uint8_t *)org, strlen(org), serial,
                              sizeof serial, now - 60, now + 86400, ca_key, &none, NULL) ==
          AEGIS_SVID_TRUST_DOMAIN_INVALID);
    CHECK(none == NULL);
    CHECK(aegis_svid_issue(NULL, aegis_bytes_ptr(ca), aegis_bytes_len(ca), ca_key, &none, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_svid_issue(&t, aegis_bytes_ptr(ca), aegis_bytes_len(ca), NULL, &none, NULL) == AEGIS_NULL_POINTER);
    CHECK(aegis_svid_ca_issue((const uint8_t *)td, strlen(td), (const uint8_t *)org, strlen(org), serial,
                              sizeof serial, now - 60, now + 86400, ca_key, NULL, NULL) == AEGIS_NULL_POINTER);
done:
    aegis_string_free(verified);
    free(ca_pem);
    free(leaf_pem);
    aegis_bytes_free(leaf);
    aegis_bytes_free(ca);
    aegis_public_key_free(leaf_pub);
    aegis_private_key_free(leaf_key);
    aegis_private_key_free(ca_key);
    free(claims);
    free(jwt);
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
                              strlen(policy), pub, NULL, now, &out, &allowed, NULL) == AEGIS_OK);
    CHECK(out && strstr(aegis_string_ptr(out), "\"verdict\"") != NULL);
    CHECK(out && strstr(aegis_string_ptr(out), allowed ? "\"allow\"" : "\"deny\"") != NULL);
    aegis_string_free(out);
    out = NULL;
    allowed = true;
    CHECK(aegis_gateway_check(untrusted, untrusted_len, bundle, bundle_len,
                              (const uint8_t *)policy, strlen(policy), pub, NULL, now, &out,
                              &allowed, NULL) == AEGIS_OK);
    CHECK(!allowed && out && strstr(aegis_string_ptr(out), "SvidUntrusted") != NULL);
    aegis_string_free(out);
    out = NULL;
    const char *bad = "{\"version\": 1, \"nonsense\": true}";
    aegis_error *err = NULL;
    CHECK(aegis_gateway_check(chain, chain_len, bundle, bundle_len, (const uint8_t *)bad,
                              strlen(bad), pub, NULL, now, &out, &allowed, &err) ==
          AEGIS_GATEWAY_POLICY_INVALID);
    CHECK(out == NULL && err != NULL);
    aegis_error_free(err);
    CHECK(aegis_gateway_check(chain, chain_len, bundle, bundle_len, (const uint8_t *)policy,
                              strlen(policy), NULL, NULL, now, &out, &allowed, NULL) ==
          AEGIS_NULL_POINTER);
    aegis_public_key_free(pub);
    aegis_private_key_free(priv);
    free(key_pem);
    free(chain);
    free(untrusted);
}

/* What the test's network callback answers, and what it saw. */
typedef struct {
    aegis_status ret;
    aegis_network_verdict verdict;
    uint64_t located_at;
    int calls;
    char query[512];
} network_answer;

static aegis_status network_callback(void *userdata, const uint8_t *query_json, size_t query_len,
                                     aegis_network_verdict *verdict, uint64_t *located_at) {
    network_answer *a = userdata;
    a->calls++;
    size_t n = query_len < sizeof a->query - 1 ? query_len : sizeof a->query - 1;
    memcpy(a->query, query_json, n);
    a->query[n] = 0;
    if (a->ret != AEGIS_OK) return a->ret;
    *verdict = a->verdict;
    *located_at = a->located_at;
    return AEGIS_OK;
}

/* Decides on the mobile chain with `network`; 1 when allowed. With `denial` not AEGIS_OK, checks
 * that the decision denies with that code (the only denial of this chain), else that it allows
 * with a network-verified location. */
static int mobile_check(const uint8_t *chain, size_t chain_len, const uint8_t *bundle,
                        size_t bundle_len, const uint8_t *policy, size_t policy_len,
                        const aegis_public_key *pub, const aegis_network_verifier *network,
                        uint64_t now, aegis_status denial) {
    aegis_string *out = NULL;
    bool allowed = false;
    CHECK(aegis_gateway_check(chain, chain_len, bundle, bundle_len, policy, policy_len, pub,
                              network, now, &out, &allowed, NULL) == AEGIS_OK);
    if (!out) return 0;
    const char *json = aegis_string_ptr(out);
    if (denial != AEGIS_OK) {
        char code[64];
        snprintf(code, sizeof code, "\"code\":%u", (unsigned)denial);
        CHECK(!allowed && strstr(json, code) != NULL);
    } else {
        CHECK(allowed && strstr(json, "network-verified") != NULL);
    }
    aegis_string_free(out);
    return allowed;
}

static void gateway_network(const uint8_t *bundle, size_t bundle_len, uint64_t now,
                            const char *key_rel) {
    uint8_t *key_pem = NULL, *chain = NULL, *policy = NULL;
    size_t key_len = 0, chain_len = 0, policy_len = 0;
    if (!load(key_rel, &key_pem, &key_len) ||
        !load("gateway/deny-mobile-without-network.chain.pem", &chain, &chain_len) ||
        !load("gateway/deny-mobile-without-network.policy.json", &policy, &policy_len)) {
        free(key_pem);
        free(chain);
        free(policy);
        return;
    }
    aegis_private_key *priv = NULL;
    aegis_public_key *pub = NULL;
    CHECK(aegis_private_key_from_pem(key_pem, key_len, &priv, NULL) == AEGIS_OK);
    CHECK(aegis_private_key_public_key(priv, &pub) == AEGIS_OK);

    /* No verifier: a mobile reading denies. */
    mobile_check(chain, chain_len, bundle, bundle_len, policy, policy_len, pub, NULL, now,
                 AEGIS_GATEWAY_NETWORK_VERIFIER_MISSING);

    /* TRUE: allowed; the second check within the TTL is answered by the cache. */
    network_answer yes = {AEGIS_OK, AEGIS_NETWORK_VERDICT_TRUE, now - 60, 0, {0}};
    aegis_network_verifier *v = NULL;
    CHECK(aegis_network_verifier_new(network_callback, &yes, 900, &v) == AEGIS_OK && v);
    CHECK(mobile_check(chain, chain_len, bundle, bundle_len, policy, policy_len, pub, v, now,
                       AEGIS_OK));
    CHECK(mobile_check(chain, chain_len, bundle, bundle_len, policy, policy_len, pub, v, now + 60,
                       AEGIS_OK));
    CHECK(yes.calls == 1);
    CHECK(strstr(yes.query, "\"sensor_id\":\"12d1:1433\"") != NULL);
    CHECK(strstr(yes.query, "\"msisdn\":\"+34696810912\"") != NULL);
    CHECK(strstr(yes.query, "\"radius_m\":") != NULL && strstr(yes.query, "imei") == NULL);
    aegis_network_verifier_free(v);

    /* TRUE, but the network located the device longer ago than the policy's TTL. */
    network_answer old = {AEGIS_OK, AEGIS_NETWORK_VERDICT_TRUE, now - 3600, 0, {0}};
    v = NULL;
    CHECK(aegis_network_verifier_new(network_callback, &old, 900, &v) == AEGIS_OK);
    mobile_check(chain, chain_len, bundle, bundle_len, policy, policy_len, pub, v, now,
                 AEGIS_GATEWAY_NETWORK_VERIFICATION_STALE);
    aegis_network_verifier_free(v);

    /* FALSE: denied. */
    network_answer no = {AEGIS_OK, AEGIS_NETWORK_VERDICT_FALSE, now - 60, 0, {0}};
    v = NULL;
    CHECK(aegis_network_verifier_new(network_callback, &no, 900, &v) == AEGIS_OK);
    mobile_check(chain, chain_len, bundle, bundle_len, policy, policy_len, pub, v, now,
                 AEGIS_GATEWAY_NETWORK_LOCATION_NOT_VERIFIED);
    aegis_network_verifier_free(v);

    /* An error return: unavailable, denied (fails closed), and not cached. */
    network_answer broken = {AEGIS_INVALID_ARGUMENT, AEGIS_NETWORK_VERDICT_TRUE, now, 0, {0}};
    v = NULL;
    CHECK(aegis_network_verifier_new(network_callback, &broken, 900, &v) == AEGIS_OK);
    mobile_check(chain, chain_len, bundle, bundle_len, policy, policy_len, pub, v, now,
                 AEGIS_GATEWAY_NETWORK_VERIFIER_UNAVAILABLE);
    mobile_check(chain, chain_len, bundle, bundle_len, policy, policy_len, pub, v, now,
                 AEGIS_GATEWAY_NETWORK_VERIFIER_UNAVAILABLE);
    CHECK(broken.calls == 2);
    aegis_network_verifier_free(v);

    /* A verdict that is no AEGIS_NETWORK_VERDICT_*: unavailable. */
    network_answer odd = {AEGIS_OK, 99, now, 0, {0}};
    v = NULL;
    CHECK(aegis_network_verifier_new(network_callback, &odd, 900, &v) == AEGIS_OK);
    mobile_check(chain, chain_len, bundle, bundle_len, policy, policy_len, pub, v, now,
                 AEGIS_GATEWAY_NETWORK_VERIFIER_UNAVAILABLE);
    aegis_network_verifier_free(v);

    v = NULL;
    CHECK(aegis_network_verifier_new(NULL, &yes, 900, &v) == AEGIS_NULL_POINTER && v == NULL);
    CHECK(aegis_network_verifier_new(network_callback, &yes, 900, NULL) == AEGIS_NULL_POINTER);
    aegis_network_verifier_free(NULL);
    aegis_public_key_free(pub);
    aegis_private_key_free(priv);
    free(key_pem);
    free(chain);
    free(policy);
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
        valid_chain_json(bundle, bundle_len, now, json_str(json_get(index, "spiffe_id")));
        gateway(bundle, bundle_len, now, json_str(json_get(index, "ear_key")));
        gateway_network(bundle, bundle_len, now, json_str(json_get(index, "ear_key")));
        issue(now);
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
