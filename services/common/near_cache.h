// A bounded in-process "near" cache of serialized answers, in front of whatever computes them
// (a store read, a shared Redis cache, a rendering). Each entry is filed under a key and the
// version (etag) of what it was computed from; a lookup names the version the caller has just
// read from the source of truth, so an entry of any other version is a miss and is never served:
// the cache cannot be stale after a write, on this replica or another, as long as the caller
// reads the current version on every call (a cheap indexed read; docs/performance.md).
// Entries also expire after `max_age`, which bounds what the version does not cover (e.g. texts
// of another service folded into the answer). Least recently used entries are evicted beyond
// `max_entries` or `max_bytes`. Thread-safe; values are shared, never copied.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "services/common/metrics.h"

namespace mgi {

class NearCache {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  struct Options {
    size_t max_entries = 256;
    size_t max_bytes = 32 << 20;
    std::chrono::milliseconds max_age{60000};
  };
  // With `metrics`, counts mgi_near_cache_hits_total / mgi_near_cache_misses_total and exports
  // mgi_near_cache_bytes, all labelled cache=`name`.
  explicit NearCache(Options options, MetricsRegistry* metrics = nullptr,
                     const std::string& name = "", Clock clock = {});

  // The value filed under `key` for exactly `version`, or null (absent, other version, expired).
  std::shared_ptr<const std::string> Find(std::string_view key, std::string_view version);
  // Files `value` under `key` and `version`, replacing any other version of `key`.
  void Put(std::string_view key, std::string_view version, std::shared_ptr<const std::string> value);
  // Forgets `key` (every version).
  void Erase(std::string_view key);
  // The value filed under `key` whatever its version (not expired), and that version in
  // `*version`; null when there is none. For a caller that asks its source whether the version
  // it holds is still current (revalidation) before serving it. Not counted as a hit or a miss.
  std::shared_ptr<const std::string> Latest(std::string_view key, std::string* version);

  size_t size() const;
  size_t bytes() const;
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  template <typename T>
  friend class NearCacheOf;
  // The type-erased core: `bytes` is what a value counts against max_bytes.
  std::shared_ptr<const void> FindErased(std::string_view key, std::string_view version);
  void PutErased(std::string_view key, std::string_view version, std::shared_ptr<const void> value,
                 size_t bytes);
  std::shared_ptr<const void> LatestErased(std::string_view key, std::string* version);

  struct Entry {
    std::string key;
    std::string version;
    std::shared_ptr<const void> value;
    size_t bytes;
    std::chrono::steady_clock::time_point stored;
  };
  using List = std::list<Entry>;
  void EraseLocked(List::iterator it);

  Options options_;
  Clock clock_;
  mutable std::mutex mu_;
  List lru_;  // most recently used first
  std::unordered_map<std::string_view, List::iterator> index_;  // views into lru_'s keys
  size_t bytes_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
  Counter* hit_counter_ = nullptr;
  Counter* miss_counter_ = nullptr;
  Gauge* bytes_gauge_ = nullptr;
};

// A NearCache of objects of type T (one type per cache), each counted as the `bytes` it is put
// with (for a message, its serialized size is a fair measure).
template <typename T>
class NearCacheOf {
 public:
  explicit NearCacheOf(NearCache::Options options, MetricsRegistry* metrics = nullptr,
                       const std::string& name = "", NearCache::Clock clock = {})
      : cache_(options, metrics, name, std::move(clock)) {}
  std::shared_ptr<const T> Find(std::string_view key, std::string_view version) {
    return std::static_pointer_cast<const T>(cache_.FindErased(key, version));
  }
  void Put(std::string_view key, std::string_view version, std::shared_ptr<const T> value,
           size_t bytes) {
    cache_.PutErased(key, version, std::move(value), bytes);
  }
  std::shared_ptr<const T> Latest(std::string_view key, std::string* version) {
    return std::static_pointer_cast<const T>(cache_.LatestErased(key, version));
  }
  void Erase(std::string_view key) { cache_.Erase(key); }
  size_t size() const { return cache_.size(); }
  uint64_t hits() const { return cache_.hits(); }
  uint64_t misses() const { return cache_.misses(); }

 private:
  NearCache cache_;
};

}  // namespace mgi
