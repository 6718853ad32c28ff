#include "token_signer.hpp"

#include <cstdint>
#include <stdexcept>

#include <boost/json/serialize.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

namespace resonate::test_support {

namespace json = boost::json;

namespace {

// JOSE wants ECDSA as fixed-width r || s, OpenSSL produces DER.
std::string der_to_jose(const std::string& der, int half) {
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())),
                                                            ECDSA_SIG_free);
  if (!sig) throw std::runtime_error("bad DER signature");
  std::string out(static_cast<std::size_t>(2 * half), '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), bytes, half);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), bytes + half, half);
  return out;
}

}  // namespace

std::string base64url(std::string_view bytes) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(buffer >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(alphabet[(buffer << (6 - bits)) & 0x3F]);
  return out;
}

KeyPair KeyPair::rsa() { return KeyPair(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048))); }
KeyPair KeyPair::ec(const char* curve) { return KeyPair(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve)); }
KeyPair KeyPair::ed25519() { return KeyPair(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")); }

KeyPair::KeyPair(EVP_PKEY* key) : key_(key, EVP_PKEY_free) {
  if (!key_) throw std::runtime_error("key generation failed");
}

std::string KeyPair::public_pem() const {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) throw std::runtime_error("PEM export failed");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

std::string KeyPair::sign(std::string_view alg, const json::object& claims) const {
  const auto input = base64url(json::serialize(json::object{{"alg", alg}, {"typ", "JWT"}})) + "." +
                     base64url(json::serialize(claims));
  return input + "." + base64url(signature(alg, input));
}

std::string KeyPair::signature(std::string_view alg, std::string_view input) const {
  // Ed25519 hashes internally: no digest for EdDSA, one-shot signing.
  const EVP_MD* digest = nullptr;
  if (alg.ends_with("256")) digest = EVP_sha256();
  if (alg.ends_with("384")) digest = EVP_sha384();
  if (alg.ends_with("512")) digest = EVP_sha512();
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* key_context = nullptr;
  if (!context || EVP_DigestSignInit(context.get(), &key_context, digest, nullptr, key_.get()) != 1) {
    throw std::runtime_error("sign init failed");
  }
  if (alg.starts_with("PS")) {
    EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, RSA_PSS_SALTLEN_DIGEST);
  }
  std::size_t length = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (EVP_DigestSign(context.get(), nullptr, &length, data, input.size()) != 1) throw std::runtime_error("sign failed");
  std::string out(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(out.data()), &length, data, input.size()) != 1) {
    throw std::runtime_error("sign failed");
  }
  out.resize(length);
  return alg.starts_with("ES") ? der_to_jose(out, alg.ends_with("256") ? 32 : 48) : out;
}

}  // namespace resonate::test_support
