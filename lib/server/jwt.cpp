#include "server/jwt.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include <boost/json/parse.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

namespace resonate::server {

namespace json = boost::json;

namespace {

enum class KeyType { rsa, ec_p256, ec_p384, ed25519 };

KeyType key_type_of(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      if (EVP_PKEY_get_bits(key) < 2048) throw std::runtime_error("RSA public key shorter than 2048 bits");
      return KeyType::rsa;
    case EVP_PKEY_EC: {
      std::array<char, 64> curve{};
      std::size_t length = 0;
      if (EVP_PKEY_get_group_name(key, curve.data(), curve.size(), &length) != 1) {
        throw std::runtime_error("EC public key without a named curve");
      }
      const std::string_view name(curve.data(), length);
      if (name == "prime256v1" || name == "P-256") return KeyType::ec_p256;
      if (name == "secp384r1" || name == "P-384") return KeyType::ec_p384;
      throw std::runtime_error("unsupported EC curve '" + std::string(name) + "' (expected P-256 or P-384)");
    }
    case EVP_PKEY_ED25519: return KeyType::ed25519;
    default: throw std::runtime_error("unsupported public key type (expected RSA, EC P-256/P-384 or Ed25519)");
  }
}

// How a JWS `alg` is checked with a key of a given type.
struct Algorithm {
  const EVP_MD* digest = nullptr;  // nullptr for EdDSA (no separate digest)
  bool pss = false;
  std::size_t ecdsa_half = 0;  // bytes of r (and of s) in a JOSE ECDSA signature; 0 otherwise
};

// The algorithm named by `alg` when the key type allows it, else nullopt: this pairing is what
// prevents algorithm confusion (an RSA key never checks an HMAC or `none` token).
std::optional<Algorithm> algorithm_for(std::string_view alg, KeyType type) {
  switch (type) {
    case KeyType::rsa:
      if (alg == "RS256") return Algorithm{EVP_sha256()};
      if (alg == "RS384") return Algorithm{EVP_sha384()};
      if (alg == "RS512") return Algorithm{EVP_sha512()};
      if (alg == "PS256") return Algorithm{EVP_sha256(), true};
      if (alg == "PS384") return Algorithm{EVP_sha384(), true};
      if (alg == "PS512") return Algorithm{EVP_sha512(), true};
      return std::nullopt;
    case KeyType::ec_p256:
      if (alg == "ES256") return Algorithm{EVP_sha256(), false, 32};
      return std::nullopt;
    case KeyType::ec_p384:
      if (alg == "ES384") return Algorithm{EVP_sha384(), false, 48};
      return std::nullopt;
    case KeyType::ed25519:
      if (alg == "EdDSA") return Algorithm{};
      return std::nullopt;
  }
  return std::nullopt;
}

// JOSE carries an ECDSA signature as the fixed-width big-endian r || s (RFC 7518 §3.4); EVP
// verifies the DER `Ecdsa-Sig-Value`. Empty on a malformed signature.
std::string ecdsa_jose_to_der(std::string_view signature, std::size_t half) {
  if (signature.size() != 2 * half) return {};
  const auto* bytes = reinterpret_cast<const unsigned char*>(signature.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), ECDSA_SIG_free);
  BIGNUM* r = BN_bin2bn(bytes, static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(bytes + half, static_cast<int>(half), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return {};
  }
  const int length = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (length <= 0) return {};
  std::string der(static_cast<std::size_t>(length), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &out) != length) return {};
  return der;
}

bool signature_valid(EVP_PKEY* key, const Algorithm& algorithm, std::string_view signing_input,
                     std::string_view signature) {
  std::string der;
  if (algorithm.ecdsa_half != 0) {
    der = ecdsa_jose_to_der(signature, algorithm.ecdsa_half);
    if (der.empty()) return false;
    signature = der;
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!context) return false;
  EVP_PKEY_CTX* key_context = nullptr;  // owned by `context`
  if (EVP_DigestVerifyInit(context.get(), &key_context, algorithm.digest, nullptr, key) != 1) return false;
  if (algorithm.pss) {
    // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash.
    if (EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(key_context, algorithm.digest) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, RSA_PSS_SALTLEN_DIGEST) != 1) {
      return false;
    }
  }
  return EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
}

std::optional<json::object> decode_json_object(std::string_view part) {
  std::string text;
  if (!base64url_decode(part, text)) return std::nullopt;
  boost::system::error_code error;
  auto value = json::parse(text, error);
  if (error || !value.is_object()) return std::nullopt;
  return std::move(value.get_object());
}

// A NumericDate claim (seconds since the epoch, integer or not).
std::optional<double> numeric_date(const json::value& value) {
  if (value.is_int64()) return static_cast<double>(value.get_int64());
  if (value.is_uint64()) return static_cast<double>(value.get_uint64());
  if (value.is_double()) return value.get_double();
  return std::nullopt;
}

bool audience_matches(const json::value& aud, std::string_view wanted) {
  if (aud.is_string()) return aud.get_string() == wanted;
  if (!aud.is_array()) return false;
  for (const auto& entry : aud.get_array()) {
    if (entry.is_string() && entry.get_string() == wanted) return true;
  }
  return false;
}

JwtVerification reject(std::string reason) { return JwtVerification{false, {}, {}, std::move(reason)}; }

}  // namespace

bool base64url_decode(std::string_view text, std::string& out) {
  out.clear();
  if (text.size() % 4 == 1) return false;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    int value = 0;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    else if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    else if (c >= '0' && c <= '9') value = c - '0' + 52;
    else if (c == '-') value = 62;
    else if (c == '_') value = 63;
    else return false;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  // Leftover bits must be zero, so every byte string has exactly one encoding.
  return (buffer & ((1u << bits) - 1)) == 0;
}

JwtVerifier::JwtVerifier(std::shared_ptr<evp_pkey_st> key, JwtOptions options)
    : key_(std::move(key)), options_(std::move(options)) {}

JwtVerifier JwtVerifier::from_pem(std::string_view pem, JwtOptions options) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (!bio) throw std::runtime_error("out of memory reading the public key");
  std::shared_ptr<evp_pkey_st> key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key) throw std::runtime_error("no PEM public key (expected '-----BEGIN PUBLIC KEY-----')");
  key_type_of(key.get());  // rejects unsupported keys at startup rather than on every request
  return JwtVerifier(std::move(key), std::move(options));
}

JwtVerifier JwtVerifier::from_pem_file(const std::string& path, JwtOptions options) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read public key file '" + path + "'");
  std::ostringstream contents;
  contents << file.rdbuf();
  try {
    return from_pem(contents.str(), std::move(options));
  } catch (const std::runtime_error& error) {
    throw std::runtime_error("public key file '" + path + "': " + error.what());
  }
}

JwtVerification JwtVerifier::verify(std::string_view token, std::chrono::system_clock::time_point now) const {
  const auto first_dot = token.find('.');
  const auto second_dot = first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos) {
    return reject("not a compact JWS (three dot-separated parts)");
  }
  const auto header = decode_json_object(token.substr(0, first_dot));
  if (!header) return reject("header is not base64url JSON object");
  const auto* alg = header->if_contains("alg");
  if (alg == nullptr || !alg->is_string()) return reject("header without alg");
  // RFC 7515 §4.1.11: extensions we do not understand must not be ignored.
  if (header->contains("crit")) return reject("unsupported crit header");
  const auto algorithm = algorithm_for(alg->get_string(), key_type_of(key_.get()));
  if (!algorithm) return reject("alg '" + std::string(alg->get_string()) + "' not accepted for this key");

  std::string signature;
  if (!base64url_decode(token.substr(second_dot + 1), signature) || signature.empty()) {
    return reject("signature is not base64url");
  }
  if (!signature_valid(key_.get(), *algorithm, token.substr(0, second_dot), signature)) {
    return reject("bad signature");
  }

  auto claims = decode_json_object(token.substr(first_dot + 1, second_dot - first_dot - 1));
  if (!claims) return reject("payload is not base64url JSON object");
  const double seconds = std::chrono::duration<double>(now.time_since_epoch()).count();
  const double leeway = static_cast<double>(options_.leeway.count());
  const auto* exp = claims->if_contains("exp");
  if (exp == nullptr) return reject("exp missing");
  const auto expires = numeric_date(*exp);
  if (!expires) return reject("exp not a number");
  if (seconds >= *expires + leeway) return reject("expired");
  if (const auto* nbf = claims->if_contains("nbf")) {
    const auto not_before = numeric_date(*nbf);
    if (!not_before) return reject("nbf not a number");
    if (seconds + leeway < *not_before) return reject("not yet valid");
  }
  if (!options_.issuer.empty()) {
    const auto* iss = claims->if_contains("iss");
    if (iss == nullptr || !iss->is_string() || iss->get_string() != options_.issuer) return reject("wrong issuer");
  }
  if (!options_.audience.empty()) {
    const auto* aud = claims->if_contains("aud");
    if (aud == nullptr || !audience_matches(*aud, options_.audience)) return reject("wrong audience");
  }
  // Clamped so that a far-away exp still fits system_clock's range (about 2262).
  const double refused_at = std::clamp(*expires + leeway, 0.0, 4.0e9);
  const auto refused_from = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(refused_at)));
  return JwtVerification{true, std::move(*claims), refused_from, {}};
}

}  // namespace resonate::server
