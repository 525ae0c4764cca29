#include "gateway/response_cache.h"

#include <utility>

#include "absl/strings/match.h"

namespace mgi::gateway {
namespace {
// The resource a path names, without its custom verb: "/v1/profiles/x:archive" -> "/v1/profiles/x",
// "/v1/profiles:import" -> "/v1/profiles".
std::string ResourcePath(const std::string& path) {
  size_t slash = path.rfind('/');
  size_t colon = path.find(':', slash == std::string::npos ? 0 : slash);
  return colon == std::string::npos ? path : path.substr(0, colon);
}
// `a` is `b` or below it.
bool Within(const std::string& a, const std::string& b) {
  return a == b || (a.size() > b.size() && absl::StartsWith(a, b) && a[b.size()] == '/');
}
}  // namespace

bool WriteAffects(const std::string& written_path, const std::string& cached_target) {
  std::string written = ResourcePath(written_path);
  std::string cached = ResourcePath(cached_target.substr(0, cached_target.find_first_of("?#\n")));
  return Within(cached, written) || Within(written, cached);
}

ResponseCache::ResponseCache(Options options, Clock clock)
    : options_(options),
      clock_(clock ? std::move(clock) : [] { return std::chrono::steady_clock::now(); }) {}

std::optional<ResponseCache::Entry> ResponseCache::Lookup(const std::string& key) {
  auto now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || !Fresh(it->second.entry, now)) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second.order);
  return it->second.entry;
}

ResponseCache::Claim ResponseCache::ClaimFetch(const std::string& key, Waiter waiter) {
  auto now = clock_();
  Claim claim;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = entries_.find(key); it != entries_.end() && Fresh(it->second.entry, now)) {
    claim.hit = it->second.entry;  // stored by a fetch that finished since the lookup
    return claim;
  }
  auto& flight = flights_[key];
  if (flight) {
    flight->waiters.push_back(std::move(waiter));
    claim.waiting = true;
    return claim;
  }
  flight = std::make_shared<Flight>();
  claim.flight = flight;
  return claim;
}

std::shared_ptr<ResponseCache::Flight> ResponseCache::ClaimRefresh(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& flight = flights_[key];
  if (flight) return nullptr;
  flight = std::make_shared<Flight>();
  return flight;
}

void ResponseCache::Complete(const std::string& key, const std::shared_ptr<Flight>& flight,
                             const HttpResponse* shareable, const std::string& etag) {
  std::vector<Waiter> waiters;
  std::optional<Entry> entry;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = flights_.find(key); it != flights_.end() && it->second == flight) {
      flights_.erase(it);
    }
    if (shareable != nullptr) {
      entry = Entry{std::make_shared<const HttpResponse>(shareable->Owned()), etag, clock_()};
    }
    if (entry && !flight->stale) {
      if (auto it = entries_.find(key); it != entries_.end()) {
        lru_.erase(it->second.order);
        entries_.erase(it);
      }
      lru_.push_front(key);
      entries_[key] = Slot{*entry, lru_.begin()};
      while (entries_.size() > options_.max_entries) {
        entries_.erase(lru_.back());
        lru_.pop_back();
      }
    }
    waiters.swap(flight->waiters);
  }
  for (auto& w : waiters) w(entry ? &*entry : nullptr);
}

void ResponseCache::Invalidate(const std::function<bool(const std::string& key)>& affected) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (affected(it->first)) {
      lru_.erase(it->second.order);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = flights_.begin(); it != flights_.end();) {
    if (affected(it->first)) {
      it->second->stale = true;  // its result may predate the write: not stored
      it = flights_.erase(it);   // later requests fetch again
    } else {
      ++it;
    }
  }
}

size_t ResponseCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace mgi::gateway
