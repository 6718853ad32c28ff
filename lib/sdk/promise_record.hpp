// The public PromiseRecord of a stored promise, its payloads decoded (and decrypted).
#pragma once

#include "resonate/encryptor.hpp"
#include "resonate/promises.hpp"
#include "wire/records.hpp"

namespace resonate::sdk {

// Throws DecodeError when a payload cannot be decrypted or is not base64 of JSON.
PromiseRecord promise_record(const wire::Promise& promise, const Encryptor* encryptor);

}  // namespace resonate::sdk
