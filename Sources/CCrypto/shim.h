#ifndef SWITCHBOARD_CCRYPTO_SHIM_H
#define SWITCHBOARD_CCRYPTO_SHIM_H
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>

/// An HMAC context with `digest` ("SHA256", "SHA1") already set and no key, made once per
/// digest and copied for each MAC: OpenSSL 3's one-shot HMAC() fetches the MAC and the
/// digest by name on every call, which cost more than the MAC of a webhook body.
static inline EVP_MAC_CTX *sb_hmac_template(const char *digest, EVP_MAC_CTX **slot) {
    EVP_MAC_CTX *ready = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (ready != NULL) return ready;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL) return NULL;
    EVP_MAC_CTX *made = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);   /* the context keeps its own reference */
    if (made == NULL) return NULL;
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (!EVP_MAC_CTX_set_params(made, params)) { EVP_MAC_CTX_free(made); return NULL; }
    EVP_MAC_CTX *expected = NULL;
    if (!__atomic_compare_exchange_n(slot, &expected, made, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        EVP_MAC_CTX_free(made);   /* another thread made it first */
        return expected;
    }
    return made;
}

/// SHA-256 of `data` into `out` (32 bytes) through a context kept per thread: EVP_Digest
/// makes and frees a context (and the provider's) on every call, which cost more than
/// hashing a webhook body. The context lives as long as its thread. 1 on success.
static inline int sb_sha256(const EVP_MD *md, const unsigned char *data, size_t length, unsigned char *out) {
    static __thread EVP_MD_CTX *context = NULL;
    if (context == NULL && (context = EVP_MD_CTX_new()) == NULL) return 0;
    static const unsigned char empty = 0;
    unsigned int written = 0;
    return EVP_DigestInit_ex2(context, md, NULL)
        && EVP_DigestUpdate(context, length > 0 ? data : &empty, length)
        && EVP_DigestFinal_ex(context, out, &written)
        && written == 32;
}

/// HMAC of `data` under `key` with `digest` ("SHA256" or "SHA1"); 1 on success.
static inline int sb_hmac(const char *digest, const unsigned char *key, size_t key_len, const unsigned char *data,
                          size_t data_len, unsigned char *out, size_t out_size, size_t *out_len) {
    static EVP_MAC_CTX *sha256 = NULL;
    static EVP_MAC_CTX *sha1 = NULL;
    EVP_MAC_CTX *template = strcmp(digest, "SHA1") == 0 ? sb_hmac_template("SHA1", &sha1) : sb_hmac_template("SHA256", &sha256);
    if (template == NULL) return 0;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(template);
    if (ctx == NULL) return 0;
    static const unsigned char empty = 0;
    int ok = EVP_MAC_init(ctx, key_len > 0 ? key : &empty, key_len, NULL)
        && EVP_MAC_update(ctx, data_len > 0 ? data : &empty, data_len)
        && EVP_MAC_final(ctx, out, out_len, out_size);
    EVP_MAC_CTX_free(ctx);
    return ok;
}
#endif
