// The gateway's shared cache of responses anyone may read: entries live `ttl` (an injectable
// clock), at most `max_entries` of them, the least recently used evicted first. Single flight:
// one fetch per missing key, the requests for it that arrive meanwhile wait for its result. A
// write drops the entries (and detaches the fetches in flight) of what it changed. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "gateway/http_types.h"

namespace mgi::gateway {

class ResponseCache {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Clock = std::function<TimePoint()>;
  struct Options {
    std::chrono::milliseconds ttl{1000};  // 0: the cache is off
    size_t max_entries = 4096;
  };
  struct Entry {
    // Without per-request headers; shared, never changed: a hit copies the pointer, not the
    // response (HttpResponse::From).
    std::shared_ptr<const HttpResponse> response;
    std::string etag;
    TimePoint stored;
  };
  // Runs when the fetch a request waited for completes: with the shared entry, or with null when
  // the result may not be shared (an error, a private response): the waiter then fetches itself.
  using Waiter = std::function<void(const Entry* shared)>;
  struct Flight;

  explicit ResponseCache(Options options, Clock clock = nullptr);

  bool enabled() const { return options_.ttl.count() > 0; }
  TimePoint Now() const { return clock_(); }
  std::chrono::milliseconds ttl() const { return options_.ttl; }

  // A fresh entry of `key` (now the most recently used), or nullopt.
  std::optional<Entry> Lookup(const std::string& key);

  // For a request that missed: a fresh entry stored since (`hit`), or the request joins the fetch
  // in flight (`waiting`: `waiter` will run), or it becomes the fetch (`flight` set: call
  // Complete with it).
  struct Claim {
    std::optional<Entry> hit;
    bool waiting = false;
    std::shared_ptr<Flight> flight;
  };
  Claim ClaimFetch(const std::string& key, Waiter waiter);
  // A background refresh of `key`: a flight, or null when a fetch of it is already on its way.
  std::shared_ptr<Flight> ClaimRefresh(const std::string& key);
  // Ends `flight`: stores `shareable` (when given, and unless a write invalidated the key
  // meanwhile) and runs the waiters (outside the lock).
  void Complete(const std::string& key, const std::shared_ptr<Flight>& flight,
                const HttpResponse* shareable, const std::string& etag);

  // Drops every entry, and detaches every fetch in flight, whose key `affected(key)` says a write
  // changed.
  void Invalidate(const std::function<bool(const std::string& key)>& affected);

  size_t size() const;

 private:
  bool Fresh(const Entry& e, TimePoint now) const { return now - e.stored <= options_.ttl; }
  struct Slot {
    Entry entry;
    std::list<std::string>::iterator order;
  };
  Options options_;
  Clock clock_;
  mutable std::mutex mu_;
  std::list<std::string> lru_ ABSL_GUARDED_BY(mu_);  // front: most recently used
  std::unordered_map<std::string, Slot> entries_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_ ABSL_GUARDED_BY(mu_);
};

// True when a write to `written_path` ("/v1/profiles/x:archive") affects the cached response of
// `cached_target` (a path with its query, or a cache key): the same resource or below it, any of
// its `:verb`s, or a collection above it ("/v1/profiles?...").
bool WriteAffects(const std::string& written_path, const std::string& cached_target);

struct ResponseCache::Flight {
  std::vector<Waiter> waiters;
  bool stale = false;  // a write invalidated the key while it was in flight: not stored
};

}  // namespace mgi::gateway
