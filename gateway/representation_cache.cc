#include "gateway/representation_cache.h"

#include "absl/strings/str_cat.h"
#include "services/common/revalidation.h"

namespace mgi::gateway {

std::string RepresentationCache::Key(const BackendCall& call, bool anonymous,
                                     bool language_from_header) {
  return absl::StrCat(call.rpc_path, anonymous ? "\n1" : "\n0", language_from_header ? "1\n" : "0\n",
                      call.request);
}

void RepresentationCache::Prepare(const std::string& key, BackendCall* call) const {
  std::string version;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return;
    version = it->second->version;
  }
  if (auto value = MetadataValue::From(version)) {
    call->metadata.push_back({kIfNoneMatchMetadata, *std::move(value)});
  }
}

std::shared_ptr<const RouteResponse> RepresentationCache::Find(const std::string& key,
                                                               std::string_view version) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end() || it->second->version != version) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->response;
}

void RepresentationCache::Put(const std::string& key, const std::string& version,
                              const RouteResponse& response) {
  size_t bytes = key.size() + response.response.body.size() + 512;
  if (version.empty() || bytes > options_.max_bytes || options_.max_entries == 0) return;
  auto kept = std::make_shared<const RouteResponse>(response);
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) EraseLocked(it->second);
  lru_.push_front(Entry{key, version, std::move(kept), bytes});
  index_.emplace(lru_.front().key, lru_.begin());
  bytes_ += bytes;
  while (lru_.size() > options_.max_entries || bytes_ > options_.max_bytes) {
    EraseLocked(std::prev(lru_.end()));
  }
}

void RepresentationCache::Erase(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) EraseLocked(it->second);
}

void RepresentationCache::EraseLocked(List::iterator it) {
  bytes_ -= it->bytes;
  index_.erase(std::string_view(it->key));
  lru_.erase(it);
}

size_t RepresentationCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

}  // namespace mgi::gateway
