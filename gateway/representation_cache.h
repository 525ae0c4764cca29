// The gateway's half of conditional revalidation (common/revalidation.h), for every GET route,
// naming no service: the response the gateway made of a backend's answer (the transcoded JSON, or
// a rendered body, with its headers) is kept under the call (method, request bytes, whether the
// caller is anonymous, whether Accept-Language chose the language) and the version the backend
// announced with it (`mgi-version`). The next call of the same request carries that version as
// `if-none-match`; a backend that answers "not modified" has checked the caller's access and the
// version, and the gateway answers its kept copy, without receiving, parsing or transcoding the
// resource again. Any other answer replaces the copy. Bounded (LRU by entries and bytes);
// thread-safe. Callers with a token benefit as much as anonymous ones, and nothing is shared
// between callers that the backend did not allow each of them to read, call by call.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "gateway/backend.h"
#include "gateway/response_writer.h"

namespace mgi::gateway {

class RepresentationCache {
 public:
  struct Options {
    size_t max_entries = 1024;
    size_t max_bytes = 64 << 20;
  };
  explicit RepresentationCache(Options options) : options_(options) {}

  // The key of a call: method, request bytes, and what else shaped the response.
  static std::string Key(const BackendCall& call, bool anonymous, bool language_from_header);
  // Adds `if-none-match` with the kept version of `key` to `call`, if there is one.
  void Prepare(const std::string& key, BackendCall* call) const;
  // The kept response of `key` when it has `version`, or null.
  std::shared_ptr<const RouteResponse> Find(const std::string& key, std::string_view version);
  // Keeps `response` (a 200) under `key` and `version`; replaces what `key` had.
  void Put(const std::string& key, const std::string& version, const RouteResponse& response);
  void Erase(const std::string& key);
  size_t size() const;

 private:
  struct Entry {
    std::string key;
    std::string version;
    std::shared_ptr<const RouteResponse> response;
    size_t bytes = 0;
  };
  using List = std::list<Entry>;
  void EraseLocked(List::iterator it);

  Options options_;
  mutable std::mutex mu_;
  List lru_;
  std::unordered_map<std::string_view, List::iterator> index_;
  size_t bytes_ = 0;
};

}  // namespace mgi::gateway
