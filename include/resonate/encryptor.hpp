// Payload encryption: every param and value this SDK stores (arguments, results, errors, the
// values of promises it settles) passes through the configured Encryptor on its way to the
// server, and back on its way out, so the server and its database only see what the
// Encryptor makes of them. Tags and ids are not payloads and stay readable.
//
//   class Sealed : public resonate::Encryptor {
//     resonate::Payload encrypt(resonate::Payload plain) const override { plain.data = seal(plain.data); return plain; }
//     resonate::Payload decrypt(resonate::Payload sealed) const override { sealed.data = open(sealed.data); return sealed; }
//   };
//   config.encryptor = std::make_shared<Sealed>();
//
// The shape is the TypeScript SDK's Encryptor (encrypt/decrypt of {headers, data}, where data is
// the base64 of the JSON every Resonate SDK stores), so a TS process with the same scheme reads
// what a C++ process writes. Every process of an application needs the same Encryptor.
#pragma once

#include <string>

#include "resonate/options.hpp"

namespace resonate {

// A stored payload: `data` is the base64 of the JSON (as encoded, before encryption).
struct Payload {
  Tags headers;
  std::string data;
};

class Encryptor {
 public:
  virtual ~Encryptor() = default;
  // Called from the threads that run the io_context, possibly concurrently: keep them
  // thread-safe. An exception from decrypt reaches the caller as a DecodeError.
  virtual Payload encrypt(Payload plaintext) const = 0;
  virtual Payload decrypt(Payload ciphertext) const = 0;
};

}  // namespace resonate
