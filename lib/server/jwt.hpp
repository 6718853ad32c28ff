// Verification of JSON Web Tokens (RFC 7519, compact JWS of RFC 7515) against one public key.
//
// The accepted algorithms follow the key type, so a token can never choose a weaker check than
// the operator configured: RSA keys accept RS256/384/512 and PS256/384/512, EC P-256 keys ES256,
// EC P-384 keys ES384, Ed25519 keys EdDSA. `none` is never accepted. Claims: `exp` is required,
// `nbf` is honoured when present (both with `leeway` of clock skew); `iss` and `aud` are checked
// only when configured.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header

namespace resonate::server {

struct JwtOptions {
  std::string issuer;    // required `iss` when non-empty
  std::string audience;  // required among `aud` (string or array) when non-empty
  std::chrono::seconds leeway{30};
};

struct JwtVerification {
  bool valid = false;
  boost::json::object claims{};  // the payload when valid
  // When valid: the first moment this token is refused (`exp` + leeway). Long-lived streams
  // opened with it are closed then.
  std::chrono::system_clock::time_point refused_from{};
  std::string reason{};          // why not, for logs and tests (never sent to clients)
};

// Strict base64url without padding (RFC 7515 §2) into `out`; false on any other input.
bool base64url_decode(std::string_view text, std::string& out);

class JwtVerifier {
 public:
  // Throws std::runtime_error when the PEM holds no supported public key (RSA of at least 2048
  // bits, EC P-256/P-384, Ed25519).
  static JwtVerifier from_pem(std::string_view pem, JwtOptions options = {});
  static JwtVerifier from_pem_file(const std::string& path, JwtOptions options = {});

  // Checks signature and claims as of `now` (wall clock). Safe to call from several threads:
  // the key is only read.
  JwtVerification verify(std::string_view token, std::chrono::system_clock::time_point now) const;

 private:
  JwtVerifier(std::shared_ptr<evp_pkey_st> key, JwtOptions options);

  std::shared_ptr<evp_pkey_st> key_;
  JwtOptions options_;
};

}  // namespace resonate::server
