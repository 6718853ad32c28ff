// Certificates for the tests of https://: a certificate authority made with OpenSSL for the
// test run, and server certificates it signs for loopback names, written as PEM files, so that
// no key is checked in and nothing but libcrypto is needed.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

typedef struct evp_pkey_st EVP_PKEY;
typedef struct x509_st X509;

namespace resonate::test_support {

// A server's certificate and private key, as --tls-cert/--tls-key take them.
struct ServerCertificate {
  std::filesystem::path certificate;
  std::filesystem::path key;
};

class TestCa {
 public:
  // A self-signed CA certificate (EC P-256, valid for a day) with `name` as its common name.
  explicit TestCa(const std::string& name);

  // Writes the CA certificate (what a client trusts: RemoteConfig::ca_file) to `file`.
  std::filesystem::path write_certificate(const std::filesystem::path& file) const;

  // A server certificate signed by this CA for `subject_alt_names`, in OpenSSL's notation
  // ("IP:127.0.0.1,DNS:localhost"), written to <directory>/<stem>.crt and <stem>.key.
  ServerCertificate issue(const std::filesystem::path& directory, const std::string& stem,
                          const std::string& subject_alt_names) const;

 private:
  std::shared_ptr<EVP_PKEY> key_;
  std::shared_ptr<X509> certificate_;
};

}  // namespace resonate::test_support
