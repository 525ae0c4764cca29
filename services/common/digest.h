// Digests of bytes and messages, one algorithm each for the whole suite: SHA-256 for keys and
// HTTP entity tags, protobuf's deterministic serialisation for hashing a message.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "google/protobuf/message_lite.h"

namespace mgi {

// The first 128 bits of SHA-256(bytes), as 32 lower-case hex digits.
std::string KeyDigest(std::string_view bytes);

// A strong entity tag of a representation's bytes: KeyDigest in double quotes (RFC 9110).
std::string ContentEtag(std::string_view bytes);

// `message` serialised deterministically (map entries in key order), so that equal messages give
// equal bytes within one build of the suite; what digests and cache keys of messages are made of.
std::string DeterministicBytes(const google::protobuf::MessageLite& message);

}  // namespace mgi

namespace mgi {

// A message with the digest of its content, computed once: what a cache key of anything made
// from it names (KeyDigest of DeterministicBytes). Shared, never copied, once made.
template <typename M>
struct Digested {
  M message;
  std::string digest;
};

template <typename M>
std::shared_ptr<const Digested<M>> MakeDigested(M message) {
  auto out = std::make_shared<Digested<M>>();
  out->message = std::move(message);
  out->digest = KeyDigest(DeterministicBytes(out->message));
  return out;
}

}  // namespace mgi
