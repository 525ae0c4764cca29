#include "services/report/messages.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace mgi::report {

std::string Substitute(const std::string& pattern,
                       const std::map<std::string, std::string>& args) {
  std::string out;
  out.reserve(pattern.size());
  for (size_t i = 0; i < pattern.size();) {
    if (pattern[i] == '{') {
      size_t close = pattern.find('}', i + 1);
      if (close != std::string::npos) {
        auto it = args.find(pattern.substr(i + 1, close - i - 1));
        if (it != args.end()) {
          out += it->second;
          i = close + 1;
          continue;
        }
      }
    }
    out += pattern[i++];
  }
  return out;
}

std::string Messages::Get(const std::string& key) const {
  auto it = strings_.find(key);
  return it == strings_.end() ? "[" + key + "]" : it->second;
}

std::string Messages::Format(const std::string& key,
                             const std::map<std::string, std::string>& args) const {
  return Substitute(Get(key), args);
}

std::string Messages::Month(int month) const {
  if (month < 1 || month > static_cast<int>(months_.size())) return std::to_string(month);
  return months_[month - 1];
}

std::string Messages::Edition(int edition) const {
  auto it = editions_.find(std::to_string(edition));
  if (it != editions_.end()) return it->second;
  return Format("edition_other", {{"number", std::to_string(edition)}});
}

std::string Messages::LanguageName(const std::string& tag) const {
  auto it = language_names_.find(tag);
  if (it == language_names_.end()) it = language_names_.find(tag.substr(0, tag.find('-')));
  return it == language_names_.end() ? tag : it->second;
}

absl::StatusOr<MessageCatalog> MessageCatalog::Load(const std::string& dir) {
  namespace fs = std::filesystem;
  MessageCatalog catalog;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return absl::NotFoundError("message directory " + dir + ": " + ec.message());
  std::vector<fs::path> files;
  for (const auto& entry : it) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    nlohmann::json json = nlohmann::json::parse(buffer.str(), nullptr, /*allow_exceptions=*/false);
    if (!in || json.is_discarded() || !json.is_object()) {
      return absl::InvalidArgumentError("message file " + path.string() +
                                        " is not a JSON object");
    }
    Messages messages;
    for (const auto& [key, value] : json.items()) {
      if (value.is_string()) {
        messages.strings_[key] = value.get<std::string>();
      } else if (key == "months" && value.is_array() && value.size() == 12) {
        for (const auto& m : value) {
          if (!m.is_string()) {
            return absl::InvalidArgumentError(path.string() + ": months must be strings");
          }
          messages.months_.push_back(m.get<std::string>());
        }
      } else if (key == "editions" && value.is_object()) {
        for (const auto& [n, name] : value.items()) {
          if (name.is_string()) messages.editions_[n] = name.get<std::string>();
        }
      } else if (key == "language_names" && value.is_object()) {
        for (const auto& [tag, name] : value.items()) {
          if (!name.is_string()) {
            return absl::InvalidArgumentError(path.string() + ": language_names must be strings");
          }
          messages.language_names_[tag] = name.get<std::string>();
        }
      } else {
        return absl::InvalidArgumentError(path.string() + ": unexpected value for \"" + key +
                                          "\"");
      }
    }
    if (messages.months_.empty()) {
      return absl::InvalidArgumentError(path.string() + ": \"months\" (12 names) is required");
    }
    catalog.by_language_[path.stem().string()] = std::move(messages);
  }
  if (!catalog.by_language_.count("en")) {
    return absl::FailedPreconditionError("message directory " + dir + " has no en.json");
  }
  return catalog;
}

std::vector<std::string> MessageCatalog::Languages() const {
  std::vector<std::string> out;
  for (const auto& [language, _] : by_language_) out.push_back(language);
  return out;
}

const Messages* MessageCatalog::Find(const std::string& language) const {
  auto it = by_language_.find(language);
  if (it != by_language_.end()) return &it->second;
  if (auto dash = language.find('-'); dash != std::string::npos) {
    it = by_language_.find(language.substr(0, dash));
    if (it != by_language_.end()) return &it->second;
  }
  return nullptr;
}

}  // namespace mgi::report
