/*
 * verify_quote.c: verify a TPM2_Quote from C with Aegis (include/aegis.h).
 *
 *   verify_quote AK_PUB ATTEST SIG PCRS NONCE_HEX [BANK:I,J,...]...
 *
 *   AK_PUB     the AK's TPM2B_PUBLIC (tpm2_createak -u / tpm2_readpublic -o)
 *   ATTEST     the quote as the TPM returned it (tpm2_quote -m)
 *   SIG        its TPMT_SIGNATURE (tpm2_quote -s)
 *   PCRS       the PCR values: tpm2-tools PCR file (tpm2_quote -o) or Aegis PCR JSON
 *   NONCE_HEX  the nonce this verifier issued (tpm2_quote -q)
 *   BANK:I,..  PCRs the policy requires, e.g. sha256:0,1,15
 *
 * Build (README, "C"), against an installed Aegis (make install PREFIX=...; set PKG_CONFIG_PATH
 * to PREFIX/lib/pkgconfig when PREFIX is not a system one):
 *   cc -std=c99 examples/verify_quote.c $(pkg-config --cflags --libs aegis) -o verify_quote
 *   cc -std=c99 examples/verify_quote.c $(pkg-config --cflags --libs aegis-static) -o verify_quote
 * (the second links libaegis.a; with the first, the program needs libaegis.so.0 at run time:
 * LD_LIBRARY_PATH=PREFIX/lib when PREFIX/lib is not searched), or from a release build here:
 *   cargo build -p aegis-ffi --release
 *   cc -std=c99 -Iinclude examples/verify_quote.c target/release/libaegis.a \
 *      -lssl -lcrypto -lpthread -ldl -lm -o verify_quote
 * Exit status: 0 when the quote verifies, 1 when it is refused, 2 on a usage or I/O error (a
 * missing argument, an unreadable file, a nonce that is not hex, a bad BANK:I,J,... list).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aegis.h"

/* Reads a whole file into a malloc'd buffer; returns 0 on failure. */
static int slurp(const char *path, uint8_t **buf, size_t *len) {
    FILE *f = fopen(path, "rb");
    long n;
    if (!f) return 0;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return 0;
    }
    *buf = malloc((size_t)n + 1);
    if (!*buf || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
        free(*buf);
        *buf = NULL;
        fclose(f);
        return 0;
    }
    fclose(f);
    *len = (size_t)n;
    return 1;
}

static int unhex(const char *hex, uint8_t **buf, size_t *len) {
    size_t n = strlen(hex), i;
    if (n % 2) return 0;
    *buf = malloc(n / 2 + 1);
    if (!*buf) return 0;
    for (i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
            free(*buf);
            *buf = NULL;
            return 0;
        }
        (*buf)[i] = (uint8_t)v;
    }
    *len = n / 2;
    return 1;
}

static uint16_t bank_alg(const char *name, size_t n) {
    if (n == 4 && strncmp(name, "sha1", n) == 0) return 0x0004;
    if (n == 6 && strncmp(name, "sha256", n) == 0) return 0x000B;
    if (n == 6 && strncmp(name, "sha384", n) == 0) return 0x000C;
    if (n == 6 && strncmp(name, "sha512", n) == 0) return 0x000D;
    return 0;
}

/* Adds "sha256:0,1,15" to the policy. */
static aegis_status require(aegis_quote_policy *policy, const char *spec, aegis_error **err) {
    const char *colon = strchr(spec, ':');
    const char *p;
    uint16_t alg;
    if (!colon || !(alg = bank_alg(spec, (size_t)(colon - spec)))) return AEGIS_INVALID_ARGUMENT;
    for (p = colon + 1; *p;) {
        char *end;
        long index = strtol(p, &end, 10);
        aegis_status st;
        if (end == p || index < 0 || index > 255) return AEGIS_INVALID_ARGUMENT;
        st = aegis_quote_policy_require_pcr(policy, alg, (uint8_t)index, err);
        if (st != AEGIS_OK) return st;
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',') return AEGIS_INVALID_ARGUMENT;
    }
    return AEGIS_OK;
}

int main(int argc, char **argv) {
    uint8_t *ak_buf = NULL, *attest = NULL, *sig = NULL, *pcr_buf = NULL, *nonce = NULL;
    size_t ak_len = 0, attest_len = 0, sig_len = 0, pcr_len = 0, nonce_len = 0, i;
    aegis_ak *ak = NULL;                 /* owned: aegis_ak_free */
    aegis_pcrs *pcrs = NULL;             /* owned: aegis_pcrs_free */
    aegis_quote_policy *policy = NULL;   /* owned: aegis_quote_policy_free */
    aegis_verified_quote *vq = NULL;     /* owned: aegis_verified_quote_free */
    aegis_error *err = NULL;             /* owned: aegis_error_free */
    aegis_status st = AEGIS_OK;
    int rc = 2, a;

    if (argc < 6) {
        fprintf(stderr, "usage: %s AK_PUB ATTEST SIG PCRS NONCE_HEX [BANK:I,J,...]...\n", argv[0]);
        return 2;
    }
    if (!slurp(argv[1], &ak_buf, &ak_len) || !slurp(argv[2], &attest, &attest_len) ||
        !slurp(argv[3], &sig, &sig_len) || !slurp(argv[4], &pcr_buf, &pcr_len) ||
        !unhex(argv[5], &nonce, &nonce_len)) {
        fprintf(stderr, "cannot read the inputs\n");
        goto out;
    }
    /* The library linked at run time, and the header this program was compiled with. */
    printf("aegis %s (header %s)\n", aegis_version(), AEGIS_VERSION_STRING);

    /* 1. The policy: which PCRs must be signed. A bad list is a usage error (exit status 2). */
    if ((st = aegis_quote_policy_new(&policy)) != AEGIS_OK) goto refused;
    for (a = 6; a < argc; a++) {
        if ((st = require(policy, argv[a], &err)) != AEGIS_OK) {
            fprintf(stderr, "bad PCR list '%s' (want BANK:I,J,..., e.g. sha256:0,1,15): %s\n",
                    argv[a], err ? aegis_error_message(err) : aegis_status_str(st));
            goto out;
        }
    }
    /* 2. The AK: its TPM public area proves it is a restricted signing key. */
    if ((st = aegis_ak_from_tpm_public(ak_buf, ak_len, &ak, &err)) != AEGIS_OK) goto refused;
    /* 3. The PCR values claimed with the quote (unverified until the quote covers them). */
    if ((st = aegis_pcrs_parse(pcr_buf, pcr_len, &pcrs, &err)) != AEGIS_OK) goto refused;
    /* 4. Verify: signature, structure, nonce, signed PCR selection and digest. */
    st = aegis_quote_verify(ak, attest, attest_len, sig, sig_len, pcrs, nonce, nonce_len, policy, &vq, &err);
    if (st != AEGIS_OK) goto refused;

    {
        uint64_t clock = 0, fw = 0;
        uint32_t reset = 0, restart = 0;
        bool safe = false;
        aegis_verified_quote_clock(vq, &clock, &reset, &restart, &safe);
        aegis_verified_quote_firmware_version(vq, &fw);
        printf("quote verified: clock %llu ms, resetCount %lu, restartCount %lu, safe %s, firmware 0x%016llx\n",
               (unsigned long long)clock, (unsigned long)reset, (unsigned long)restart, safe ? "yes" : "no",
               (unsigned long long)fw);
    }
    for (i = 0; i < aegis_verified_quote_pcr_count(vq); i++) {
        uint16_t alg;
        uint8_t index;
        const uint8_t *value; /* borrowed from vq: valid until aegis_verified_quote_free(vq) */
        size_t value_len, k;
        if (aegis_verified_quote_pcr_at(vq, i, &alg, &index, &value, &value_len) != AEGIS_OK) continue;
        printf("  bank 0x%04x PCR %2u: ", (unsigned)alg, (unsigned)index);
        for (k = 0; k < value_len; k++) printf("%02x", value[k]);
        printf("\n");
    }
    rc = 0;
    goto out;

refused:
    printf("refused: %s (%u): %s\n", err ? aegis_error_name(err) : "", (unsigned)st,
           err ? aegis_error_message(err) : aegis_status_str(st));
    rc = 1;
out:
    aegis_error_free(err);
    aegis_verified_quote_free(vq);
    aegis_quote_policy_free(policy);
    aegis_pcrs_free(pcrs);
    aegis_ak_free(ak);
    free(ak_buf);
    free(attest);
    free(sig);
    free(pcr_buf);
    free(nonce);
    return rc;
}
