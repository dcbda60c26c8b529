/*
 * test_token.c: the C ABI of proof tokens (DPoR, DPoG, WIMSE WPT), checked from C (run under
 * ASan/UBSan and valgrind by make test-c). The manifest's "proof" vectors (peer-signed tokens, one
 * attack per check) are walked by test_manifest.c; this test covers what the C side mints:
 *
 * - for P-256, P-384 and RSA-2048 App Keys: aegis_jwk_thumbprint, an EAR signed here naming that
 *   thumbprint, aegis_proof_mint_dpor, aegis_proof_verify (kind, alg, jkt, jti, iat read back),
 *   and the same proof again with the same cache: AEGIS_TOKEN_REPLAYED;
 * - DPoG with location claims (the verified location JSON read back), an allowed-countries list
 *   that excludes it (AEGIS_TOKEN_LOCATION_NOT_ALLOWED), bad location JSON (AEGIS_INVALID_FORMAT);
 * - WPT mint and verify, and a wrong audience (AEGIS_TOKEN_AUDIENCE_MISMATCH);
 * - one replay cache shared by threads verifying the same proof: exactly one succeeds;
 * - argument errors: NULL pointers, a NULL pointer with a length, text that is not UTF-8, an
 *   unknown kind or algorithm bit; NULL-safe frees and accessors.
 *
 * Usage: test_token   Exit status 1 on any failure.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aegis.h"

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

#define CHECK_STATUS(want, call)                                                                   \
    do {                                                                                           \
        aegis_status got_ = (call);                                                                \
        checks++;                                                                                  \
        if (got_ != (aegis_status)(want)) {                                                        \
            fprintf(stderr, "%s:%d: %s: got %u, want %u\n", __FILE__, __LINE__, #call, (unsigned)got_, \
                    (unsigned)(want));                                                             \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

#define NOW 1800000000u
#define S(p, field, text) ((p).field = (const uint8_t *)(text), (p).field##_len = strlen(text))

static const char HTU[] = "https://api.example.com/v1/data";
static const char LOCATION[] = "{\"type\":\"region\",\"country\":\"ES\",\"subdivision\":\"ES-CT\",\"quality\":\"gnss\"}";

/* An EAR signed by `issuer` naming `jkt` in its workload-key submod, with a location submod in
 * ES / ES-CT, verified with the issuer's public key. */
static aegis_ear *ear_naming(const aegis_private_key *issuer, const char *jkt) {
    char claims[1024];
    aegis_string *token = NULL;
    aegis_public_key *pub = NULL;
    aegis_ear *ear = NULL;
    snprintf(claims, sizeof claims,
             "{\"eat_profile\":\"tag:ietf.org,2026:rats/ear#04\",\"iat\":%u,"
             "\"ear_verifier_id\":{\"developer\":\"https://aegis.example\",\"build\":\"c\"},"
             "\"submods\":{\"workload-key\":{\"ear_status\":\"affirming\","
             "\"ear_trustworthiness_vector\":{\"instance-identity\":2},"
             "\"ear_verifier_claims\":{\"app_key\":{\"jkt\":\"%s\"}}},"
             "\"location\":{\"ear_status\":\"affirming\",\"ear_trustworthiness_vector\":{\"instance-identity\":2},"
             "\"grc.jurisdiction-country\":\"ES\",\"grc.jurisdiction-subdivision\":\"ES-CT\"}}}",
             NOW - 10, jkt);
    CHECK_STATUS(AEGIS_OK, aegis_ear_sign_jwt(issuer, (const uint8_t *)claims, strlen(claims),
                                              AEGIS_EAR_DIALECT_IETF_04, &token, NULL));
    CHECK_STATUS(AEGIS_OK, aegis_private_key_public_key(issuer, &pub));
    CHECK_STATUS(AEGIS_OK, aegis_ear_verify(pub, (const uint8_t *)aegis_string_ptr(token), aegis_string_len(token),
                                            NOW, NULL, 0, 0, &ear, NULL));
    aegis_string_free(token);
    aegis_public_key_free(pub);
    return ear;
}

static char *thumbprint(const aegis_private_key *key) {
    aegis_public_key *pub = NULL;
    aegis_string *jkt = NULL;
    char *copy;
    CHECK_STATUS(AEGIS_OK, aegis_private_key_public_key(key, &pub));
    CHECK_STATUS(AEGIS_OK, aegis_jwk_thumbprint(pub, &jkt, NULL));
    copy = malloc(aegis_string_len(jkt) + 1);
    memcpy(copy, aegis_string_ptr(jkt), aegis_string_len(jkt) + 1);
    CHECK(strlen(copy) == 43); /* base64url of SHA-256 */
    aegis_string_free(jkt);
    aegis_public_key_free(pub);
    return copy;
}

static void request(aegis_proof_request *r, const char *jti) {
    memset(r, 0, sizeof *r);
    S(*r, htm, "POST");
    S(*r, htu, HTU);
    S(*r, jti, jti);
    r->iat = NOW;
}

static void policy(aegis_proof_policy *p, aegis_proof_kind kind) {
    memset(p, 0, sizeof *p);
    p->kind = kind;
    S(*p, htm, "POST");
    S(*p, htu, HTU);
    p->now = NOW + 1;
}

static void round_trip(const aegis_private_key *issuer, aegis_key_kind kind, aegis_ear_algs alg) {
    aegis_private_key *app = NULL;
    aegis_proof_request req;
    aegis_proof_policy pol;
    aegis_string *token = NULL;
    aegis_replay_cache *cache = NULL;
    aegis_verified_proof *vp = NULL;
    aegis_error *err = NULL;
    aegis_ear *ear;
    char *jkt;
    CHECK_STATUS(AEGIS_OK, aegis_private_key_generate(kind, &app, NULL));
    jkt = thumbprint(app);
    ear = ear_naming(issuer, jkt);
    request(&req, "round-trip");
    S(req, nonce, "server-nonce");
    S(req, access_token, "an access token");
    CHECK_STATUS(AEGIS_OK, aegis_proof_mint_dpor(app, &req, &token, NULL));
    CHECK_STATUS(AEGIS_OK, aegis_replay_cache_new(16, &cache));
    policy(&pol, AEGIS_PROOF_DPOR);
    S(pol, nonce, "server-nonce");
    S(pol, access_token, "an access token");
    S(pol, cnf_jkt, jkt);
    CHECK_STATUS(AEGIS_OK, aegis_proof_verify(&pol, (const uint8_t *)aegis_string_ptr(token), aegis_string_len(token),
                                              ear, 300, cache, &vp, NULL));
    CHECK(aegis_verified_proof_kind(vp) == AEGIS_PROOF_DPOR);
    CHECK(aegis_verified_proof_alg(vp) == alg);
    CHECK(aegis_verified_proof_jkt(vp) && strcmp(aegis_verified_proof_jkt(vp), jkt) == 0);
    CHECK(aegis_verified_proof_jti(vp) && strcmp(aegis_verified_proof_jti(vp), "round-trip") == 0);
    CHECK(aegis_verified_proof_iat(vp) == NOW);
    CHECK(aegis_verified_proof_location_json(vp) == NULL);
    aegis_verified_proof_free(vp);
    vp = NULL;
    /* The same proof again: a replay; nothing is written to *out. */
    CHECK_STATUS(AEGIS_TOKEN_REPLAYED, aegis_proof_verify(&pol, (const uint8_t *)aegis_string_ptr(token),
                                                          aegis_string_len(token), ear, 300, cache, &vp, &err));
    CHECK(vp == NULL);
    CHECK(err && strcmp(aegis_error_name(err), "TokenReplayed") == 0);
    aegis_error_free(err);
    aegis_replay_cache_free(cache);
    aegis_string_free(token);
    aegis_ear_free(ear);
    aegis_private_key_free(app);
    free(jkt);
}

/* Threads verifying one proof with one shared cache. */
typedef struct {
    const aegis_proof_policy *pol;
    const aegis_string *token;
    const aegis_ear *ear;
    const aegis_replay_cache *cache;
    aegis_status status;
} race;

static void *racer(void *arg) {
    race *r = arg;
    aegis_verified_proof *vp = NULL;
    r->status = aegis_proof_verify(r->pol, (const uint8_t *)aegis_string_ptr(r->token), aegis_string_len(r->token),
                                   r->ear, 300, r->cache, &vp, NULL);
    aegis_verified_proof_free(vp);
    return NULL;
}

static void dpog_wpt_and_errors(const aegis_private_key *issuer) {
    aegis_private_key *app = NULL;
    aegis_proof_request req;
    aegis_proof_policy pol;
    aegis_wpt_request wreq;
    aegis_wpt_policy wpol;
    aegis_string *token = NULL, *wpt = NULL, *none = NULL;
    aegis_replay_cache *cache = NULL;
    aegis_verified_proof *vp = NULL;
    aegis_verified_wpt *vw = NULL;
    aegis_ear *ear;
    char *jkt;
    race races[4];
    pthread_t threads[4];
    int i, ok = 0;
    static const uint8_t not_utf8[] = {0xff, 0xfe};

    CHECK_STATUS(AEGIS_OK, aegis_private_key_generate(AEGIS_KEY_ECC_P256, &app, NULL));
    jkt = thumbprint(app);
    ear = ear_naming(issuer, jkt);
    CHECK_STATUS(AEGIS_OK, aegis_replay_cache_new(64, &cache));

    /* DPoG. */
    request(&req, "dpog");
    CHECK_STATUS(AEGIS_OK, aegis_proof_mint_dpog(app, &req, (const uint8_t *)LOCATION, strlen(LOCATION), &token, NULL));
    policy(&pol, AEGIS_PROOF_DPOG);
    S(pol, allowed_countries, "FR, DE");
    CHECK_STATUS(AEGIS_TOKEN_LOCATION_NOT_ALLOWED,
                 aegis_proof_verify(&pol, (const uint8_t *)aegis_string_ptr(token), aegis_string_len(token), ear, 300,
                                    cache, &vp, NULL));
    S(pol, allowed_countries, "FR,ES");
    CHECK_STATUS(AEGIS_OK, aegis_proof_verify(&pol, (const uint8_t *)aegis_string_ptr(token), aegis_string_len(token),
                                              ear, 300, cache, &vp, NULL));
    CHECK(aegis_verified_proof_kind(vp) == AEGIS_PROOF_DPOG);
    CHECK(aegis_verified_proof_location_json(vp) && strstr(aegis_verified_proof_location_json(vp), "\"ES-CT\""));
    aegis_verified_proof_free(vp);
    vp = NULL;
    /* A DPoG proof where a DPoR proof is expected: its typ. */
    policy(&pol, AEGIS_PROOF_DPOR);
    CHECK_STATUS(AEGIS_TOKEN_TYPE_INVALID,
                 aegis_proof_verify(&pol, (const uint8_t *)aegis_string_ptr(token), aegis_string_len(token), ear, 300,
                                    cache, &vp, NULL));
    CHECK_STATUS(AEGIS_INVALID_FORMAT,
                 aegis_proof_mint_dpog(app, &req, (const uint8_t *)"{\"type\":", 8, &none, NULL));
    CHECK(none == NULL);

    /* WPT. */
    memset(&wreq, 0, sizeof wreq);
    S(wreq, aud, "https://service.example.com");
    S(wreq, jti, "wpt-1");
    S(wreq, wit, "the workload identity token");
    wreq.exp = NOW + 60;
    CHECK_STATUS(AEGIS_OK, aegis_wpt_mint(app, &wreq, &wpt, NULL));
    memset(&wpol, 0, sizeof wpol);
    S(wpol, aud, "https://other.example.com");
    S(wpol, wit, "the workload identity token");
    S(wpol, wit_jkt, jkt);
    wpol.now = NOW;
    CHECK_STATUS(AEGIS_TOKEN_AUDIENCE_MISMATCH,
                 aegis_wpt_verify(&wpol, (const uint8_t *)aegis_string_ptr(wpt), aegis_string_len(wpt), ear, 300, cache,
                                  &vw, NULL));
    S(wpol, aud, "https://service.example.com");
    CHECK_STATUS(AEGIS_OK, aegis_wpt_verify(&wpol, (const uint8_t *)aegis_string_ptr(wpt), aegis_string_len(wpt), ear,
                                            300, cache, &vw, NULL));
    CHECK(aegis_verified_wpt_exp(vw) == NOW + 60);
    CHECK(aegis_verified_wpt_jti(vw) && strcmp(aegis_verified_wpt_jti(vw), "wpt-1") == 0);
    CHECK(aegis_verified_wpt_jkt(vw) && strcmp(aegis_verified_wpt_jkt(vw), jkt) == 0);
    aegis_verified_wpt_free(vw);
    vw = NULL;

    /* WPT with `oth` (draft-ietf-wimse-wpt): the hash of each other token by name. A presented
     * token whose hash differs, or that the WPT does not name, is AEGIS_TOKEN_HASH_MISMATCH. */
    {
        aegis_named_token sent[2], shown[2];
        aegis_string *wpt_oth = NULL;
        aegis_error *err = NULL;
        memset(sent, 0, sizeof sent);
        memset(shown, 0, sizeof shown);
        S(sent[0], name, "txn-token");
        S(sent[0], token, "the transaction token");
        S(sent[1], name, "x-other");
        S(sent[1], token, "another token");
        wreq.other = sent;
        wreq.other_len = 2;
        S(wreq, jti, "wpt-oth");
        CHECK_STATUS(AEGIS_OK, aegis_wpt_mint(app, &wreq, &wpt_oth, NULL));
        shown[0] = sent[0];
        S(shown[0], token, "a forged transaction token");
        wpol.other = shown;
        wpol.other_len = 1;
        CHECK_STATUS(AEGIS_TOKEN_HASH_MISMATCH,
                     aegis_wpt_verify(&wpol, (const uint8_t *)aegis_string_ptr(wpt_oth), aegis_string_len(wpt_oth),
                                      ear, 300, cache, &vw, &err));
        CHECK(vw == NULL && err && strstr(aegis_error_message(err), "txn-token") != NULL);
        aegis_error_free(err);
        S(shown[0], name, "unnamed");
        S(shown[0], token, "the transaction token");
        CHECK_STATUS(AEGIS_TOKEN_HASH_MISMATCH,
                     aegis_wpt_verify(&wpol, (const uint8_t *)aegis_string_ptr(wpt_oth), aegis_string_len(wpt_oth),
                                      ear, 300, cache, &vw, NULL));
        /* The WPT minted without `oth` does not carry the presented token. */
        shown[0] = sent[0];
        CHECK_STATUS(AEGIS_TOKEN_HASH_MISMATCH,
                     aegis_wpt_verify(&wpol, (const uint8_t *)aegis_string_ptr(wpt), aegis_string_len(wpt), ear, 300,
                                      cache, &vw, NULL));
        shown[1] = sent[1];
        wpol.other_len = 2;
        CHECK_STATUS(AEGIS_OK, aegis_wpt_verify(&wpol, (const uint8_t *)aegis_string_ptr(wpt_oth),
                                                aegis_string_len(wpt_oth), ear, 300, cache, &vw, NULL));
        CHECK(aegis_verified_wpt_jti(vw) && strcmp(aegis_verified_wpt_jti(vw), "wpt-oth") == 0);
        aegis_verified_wpt_free(vw);
        vw = NULL;
        /* Argument errors: NULL entries with a length, more than AEGIS_WPT_MAX_OTHER_TOKENS, an
         * empty name. */
        wpol.other = NULL;
        CHECK_STATUS(AEGIS_NULL_POINTER, aegis_wpt_verify(&wpol, (const uint8_t *)aegis_string_ptr(wpt_oth),
                                                          aegis_string_len(wpt_oth), ear, 300, cache, &vw, NULL));
        wreq.other_len = AEGIS_WPT_MAX_OTHER_TOKENS + 1;
        CHECK_STATUS(AEGIS_INVALID_ARGUMENT, aegis_wpt_mint(app, &wreq, &none, NULL));
        S(sent[0], name, "");
        wreq.other_len = 1;
        CHECK_STATUS(AEGIS_INVALID_ARGUMENT, aegis_wpt_mint(app, &wreq, &none, NULL));
        CHECK(none == NULL);
        wreq.other = NULL;
        wreq.other_len = 0;
        wpol.other_len = 0;
        aegis_string_free(wpt_oth);
    }

    /* One cache shared by threads: exactly one of them accepts the proof. */
    aegis_string_free(token);
    token = NULL;
    request(&req, "raced");
    CHECK_STATUS(AEGIS_OK, aegis_proof_mint_dpor(app, &req, &token, NULL));
    policy(&pol, AEGIS_PROOF_DPOR);
    for (i = 0; i < 4; i++) {
        races[i].pol = &pol;
        races[i].token = token;
        races[i].ear = ear;
        races[i].cache = cache;
        CHECK(pthread_create(&threads[i], NULL, racer, &races[i]) == 0);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        if (races[i].status == AEGIS_OK) ok++;
        else CHECK(races[i].status == AEGIS_TOKEN_REPLAYED);
    }
    CHECK(ok == 1);

    /* Argument errors. */
    CHECK_STATUS(AEGIS_NULL_POINTER, aegis_proof_verify(NULL, (const uint8_t *)"x", 1, ear, 300, cache, &vp, NULL));
    CHECK_STATUS(AEGIS_NULL_POINTER, aegis_proof_verify(&pol, (const uint8_t *)"x", 1, NULL, 300, cache, &vp, NULL));
    CHECK_STATUS(AEGIS_NULL_POINTER, aegis_proof_verify(&pol, (const uint8_t *)"x", 1, ear, 300, NULL, &vp, NULL));
    CHECK_STATUS(AEGIS_NULL_POINTER, aegis_proof_verify(&pol, (const uint8_t *)"x", 1, ear, 300, cache, NULL, NULL));
    CHECK_STATUS(AEGIS_NULL_POINTER, aegis_proof_verify(&pol, NULL, 5, ear, 300, cache, &vp, NULL));
    CHECK_STATUS(AEGIS_NULL_POINTER, aegis_wpt_verify(NULL, NULL, 0, ear, 300, cache, &vw, NULL));
    CHECK_STATUS(AEGIS_NULL_POINTER, aegis_proof_mint_dpor(NULL, &req, &none, NULL));
    CHECK_STATUS(AEGIS_NULL_POINTER, aegis_proof_mint_dpor(app, NULL, &none, NULL));
    CHECK_STATUS(AEGIS_NULL_POINTER, aegis_wpt_mint(app, NULL, &none, NULL));
    CHECK_STATUS(AEGIS_NULL_POINTER, aegis_jwk_thumbprint(NULL, &none, NULL));
    CHECK_STATUS(AEGIS_NULL_POINTER, aegis_replay_cache_new(1, NULL));
    req.htm = NULL; /* with htm_len 4 */
    CHECK_STATUS(AEGIS_NULL_POINTER, aegis_proof_mint_dpor(app, &req, &none, NULL));
    req.htm = not_utf8;
    req.htm_len = sizeof not_utf8;
    CHECK_STATUS(AEGIS_INVALID_UTF8, aegis_proof_mint_dpor(app, &req, &none, NULL));
    CHECK(none == NULL);
    pol.kind = 7;
    CHECK_STATUS(AEGIS_INVALID_ARGUMENT, aegis_proof_verify(&pol, (const uint8_t *)aegis_string_ptr(token),
                                                            aegis_string_len(token), ear, 300, cache, &vp, NULL));
    pol.kind = AEGIS_PROOF_DPOR;
    pol.algs = 8;
    CHECK_STATUS(AEGIS_INVALID_ARGUMENT, aegis_proof_verify(&pol, (const uint8_t *)aegis_string_ptr(token),
                                                            aegis_string_len(token), ear, 300, cache, &vp, NULL));
    CHECK(vp == NULL);
    CHECK(aegis_verified_proof_jkt(NULL) == NULL && aegis_verified_proof_iat(NULL) == 0 &&
          aegis_verified_proof_location_json(NULL) == NULL && aegis_verified_wpt_jti(NULL) == NULL &&
          aegis_verified_wpt_exp(NULL) == 0);
    aegis_verified_proof_free(NULL);
    aegis_verified_wpt_free(NULL);
    aegis_replay_cache_free(NULL);

    aegis_string_free(token);
    aegis_string_free(wpt);
    aegis_replay_cache_free(cache);
    aegis_ear_free(ear);
    aegis_private_key_free(app);
    free(jkt);
}

int main(void) {
    aegis_private_key *issuer = NULL;
    CHECK_STATUS(AEGIS_OK, aegis_private_key_generate(AEGIS_KEY_ECC_P256, &issuer, NULL));
    round_trip(issuer, AEGIS_KEY_ECC_P256, AEGIS_EAR_ALG_ES256);
    round_trip(issuer, AEGIS_KEY_ECC_P384, AEGIS_EAR_ALG_ES384);
    round_trip(issuer, AEGIS_KEY_RSA_2048, AEGIS_EAR_ALG_PS256);
    dpog_wpt_and_errors(issuer);
    aegis_private_key_free(issuer);
    printf("test_token: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
