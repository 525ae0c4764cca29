#include "services/common/near_cache.h"

namespace mgi {

NearCache::NearCache(Options options, MetricsRegistry* metrics, const std::string& name,
                     Clock clock)
    : options_(options), clock_(clock ? std::move(clock) : [] {
        return std::chrono::steady_clock::now();
      }) {
  if (metrics != nullptr) {
    Labels labels{{"cache", name}};
    hit_counter_ = metrics->GetCounter("mgi_near_cache_hits_total",
                                       "Answers served from the in-process near cache", labels);
    miss_counter_ = metrics->GetCounter(
        "mgi_near_cache_misses_total",
        "Near-cache lookups that found nothing current (absent, other version, expired)", labels);
    bytes_gauge_ = metrics->GetGauge("mgi_near_cache_bytes", "Bytes held by the near cache", labels);
  }
}

std::shared_ptr<const std::string> NearCache::Find(std::string_view key, std::string_view version) {
  return std::static_pointer_cast<const std::string>(FindErased(key, version));
}

void NearCache::Put(std::string_view key, std::string_view version,
                    std::shared_ptr<const std::string> value) {
  size_t bytes = value == nullptr ? 0 : value->size();
  PutErased(key, version, std::move(value), bytes);
}

std::shared_ptr<const std::string> NearCache::Latest(std::string_view key, std::string* version) {
  return std::static_pointer_cast<const std::string>(LatestErased(key, version));
}

std::shared_ptr<const void> NearCache::LatestErased(std::string_view key, std::string* version) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  List::iterator e = it->second;
  if (clock_() - e->stored > options_.max_age) {
    EraseLocked(e);
    return nullptr;
  }
  *version = e->version;
  return e->value;
}

std::shared_ptr<const void> NearCache::FindErased(std::string_view key, std::string_view version) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end() || it->second->version != version) {
    ++misses_;
    if (miss_counter_) miss_counter_->Inc();
    return nullptr;
  }
  List::iterator e = it->second;
  if (clock_() - e->stored > options_.max_age) {
    EraseLocked(e);
    ++misses_;
    if (miss_counter_) miss_counter_->Inc();
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, e);
  ++hits_;
  if (hit_counter_) hit_counter_->Inc();
  return e->value;
}

void NearCache::PutErased(std::string_view key, std::string_view version,
                          std::shared_ptr<const void> value, size_t bytes) {
  if (value == nullptr || bytes > options_.max_bytes || options_.max_entries == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) EraseLocked(it->second);
  bytes_ += bytes;
  lru_.push_front(Entry{std::string(key), std::string(version), std::move(value), bytes, clock_()});
  index_.emplace(lru_.front().key, lru_.begin());
  while (lru_.size() > options_.max_entries || bytes_ > options_.max_bytes) {
    EraseLocked(std::prev(lru_.end()));
  }
  if (bytes_gauge_) bytes_gauge_->Set(static_cast<double>(bytes_));
}

void NearCache::Erase(std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) EraseLocked(it->second);
}

void NearCache::EraseLocked(List::iterator it) {
  bytes_ -= it->bytes;
  index_.erase(std::string_view(it->key));
  lru_.erase(it);
  if (bytes_gauge_) bytes_gauge_->Set(static_cast<double>(bytes_));
}

size_t NearCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}
size_t NearCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}
uint64_t NearCache::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}
uint64_t NearCache::misses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return misses_;
}

}  // namespace mgi
