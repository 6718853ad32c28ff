#include "test_certificates.hpp"

#include <cstdio>
#include <functional>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace resonate::test_support {

namespace {

std::shared_ptr<EVP_PKEY> new_key() {
  std::shared_ptr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free);
  if (!key) throw std::runtime_error("test certificates: key generation failed");
  return key;
}

void add_extension(X509* certificate, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, decltype(&X509_EXTENSION_free)> extension(
      X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()), X509_EXTENSION_free);
  if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1) {
    throw std::runtime_error("test certificates: cannot add extension " + value);
  }
}

// An unsigned certificate for `subject_key`, valid from now for a day, issued by `issuer`
// (itself when null: self-signed).
std::shared_ptr<X509> new_certificate(const std::string& common_name, EVP_PKEY* subject_key, X509* issuer,
                                      long serial) {
  std::shared_ptr<X509> certificate(X509_new(), X509_free);
  if (!certificate) throw std::runtime_error("test certificates: X509_new failed");
  X509* x = certificate.get();
  X509_set_version(x, 2);  // v3
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  // Back-dated a minute: the clocks of this machine's processes are the same, but a
  // certificate valid "from now" can be rejected within the same second.
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 24L * 60 * 60);
  X509_set_pubkey(x, subject_key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
  return certificate;
}

void sign(X509* certificate, EVP_PKEY* key) {
  if (X509_sign(certificate, key, EVP_sha256()) == 0) throw std::runtime_error("test certificates: signing failed");
}

void write_pem(const std::filesystem::path& file, const std::function<int(FILE*)>& write) {
  std::unique_ptr<FILE, decltype(&std::fclose)> out(std::fopen(file.c_str(), "w"), std::fclose);
  if (!out || write(out.get()) != 1) throw std::runtime_error("test certificates: cannot write " + file.string());
}

}  // namespace

TestCa::TestCa(const std::string& name) : key_(new_key()) {
  static long serial = 1;
  certificate_ = new_certificate(name, key_.get(), nullptr, serial++);
  add_extension(certificate_.get(), certificate_.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(certificate_.get(), certificate_.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(certificate_.get(), certificate_.get(), NID_subject_key_identifier, "hash");
  sign(certificate_.get(), key_.get());
}

std::filesystem::path TestCa::write_certificate(const std::filesystem::path& file) const {
  write_pem(file, [this](FILE* out) { return PEM_write_X509(out, certificate_.get()); });
  return file;
}

ServerCertificate TestCa::issue(const std::filesystem::path& directory, const std::string& stem,
                                const std::string& subject_alt_names) const {
  static long serial = 1000;
  const auto key = new_key();
  const auto certificate = new_certificate(stem, key.get(), certificate_.get(), serial++);
  add_extension(certificate.get(), certificate_.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(certificate.get(), certificate_.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(certificate.get(), certificate_.get(), NID_ext_key_usage, "serverAuth");
  add_extension(certificate.get(), certificate_.get(), NID_subject_alt_name, subject_alt_names);
  add_extension(certificate.get(), certificate_.get(), NID_authority_key_identifier, "keyid");
  sign(certificate.get(), key_.get());

  ServerCertificate files{directory / (stem + ".crt"), directory / (stem + ".key")};
  write_pem(files.certificate, [&](FILE* out) { return PEM_write_X509(out, certificate.get()); });
  write_pem(files.key, [&](FILE* out) {
    return PEM_write_PrivateKey(out, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  return files;
}

}  // namespace resonate::test_support
