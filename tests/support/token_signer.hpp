// JWT signing for tests of bearer-token auth: key pairs generated for the test run, whose public
// half configures resonate-server (--auth-public-key) and whose private half signs tokens, so no
// key is checked in.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

typedef struct evp_pkey_st EVP_PKEY;

namespace resonate::test_support {

// base64url without padding (RFC 7515), as JWS segments are written.
std::string base64url(std::string_view bytes);

// A private key of any type JWS uses, which signs tokens and exports its public half.
class KeyPair {
 public:
  static KeyPair rsa();
  static KeyPair ec(const char* curve);
  static KeyPair ed25519();

  // PEM "PUBLIC KEY" of the pair.
  std::string public_pem() const;
  // A compact JWS of `claims` with header {"alg": alg, "typ": "JWT"} (RS*, PS*, ES*, EdDSA).
  std::string sign(std::string_view alg, const boost::json::object& claims) const;

 private:
  explicit KeyPair(EVP_PKEY* key);
  std::string signature(std::string_view alg, std::string_view input) const;

  std::shared_ptr<EVP_PKEY> key_;
};

// An Ed25519 key pair signing EdDSA tokens: what the CLI tests need.
class TokenSigner {
 public:
  TokenSigner() : key_(KeyPair::ed25519()) {}
  std::string public_pem() const { return key_.public_pem(); }
  std::string sign(const boost::json::object& claims) const { return key_.sign("EdDSA", claims); }

 private:
  KeyPair key_;
};

}  // namespace resonate::test_support
