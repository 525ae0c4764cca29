// libFuzzer target over the token file parser (services/common/auth.h, TokenTable).
// Input: a token file. Properties:
//   - Parse succeeds exactly when ParseLines reports no problem, and then keeps the same entries;
//   - every kept entry is a line of the file: its hash (64 hex digits) and role and a valid
//     principal; Find gives it back; no hash is kept twice;
//   - no problem text quotes a line's first field (the hash, or a raw token pasted by mistake).
#include <cctype>
#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "services/common/auth.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(mgi::fuzz::AsView(data, size));
  std::vector<std::string> problems;
  mgi::TokenTable lines = mgi::TokenTable::ParseLines(text, &problems);
  auto strict = mgi::TokenTable::Parse(text);
  MGI_REQUIRE(strict.ok() == problems.empty(), "Parse fails exactly when a line is bad");
  if (strict.ok()) MGI_REQUIRE(strict->size() == lines.size(), "Parse keeps what ParseLines keeps");

  std::map<int, std::string> secrets;  // line -> its first field, never to be quoted for it
  std::set<std::string> hashes;         // well-formed hashes of the file, lower case
  int line_number = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line_number;
    std::vector<std::string> fields =
        absl::StrSplit(absl::StripAsciiWhitespace(raw), absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.empty() || fields[0][0] == '#') continue;
    bool alnum = fields[0].size() >= 12;
    for (char c : fields[0]) alnum = alnum && std::isalnum(static_cast<unsigned char>(c));
    bool echoed_elsewhere = false;
    for (size_t i = 1; i < fields.size(); ++i) {
      echoed_elsewhere = echoed_elsewhere || fields[i].find(fields[0]) != std::string::npos;
    }
    if (alnum && !echoed_elsewhere) secrets[line_number] = fields[0];
    if (fields[0].size() == 64) hashes.insert(absl::AsciiStrToLower(fields[0]));
  }
  for (const std::string& p : problems) {  // "line N: ..."
    int n = std::atoi(p.c_str() + std::min<size_t>(p.size(), 5));
    if (auto it = secrets.find(n); it != secrets.end()) {
      MGI_REQUIRE(p.find(it->second) == std::string::npos,
                  "a problem never quotes its line's hash field");
    }
  }
  MGI_REQUIRE(lines.size() <= hashes.size(), "every entry is a line of the file");
  size_t found = 0;
  for (const std::string& hex : hashes) {
    mgi::Sha256Digest digest{};
    bool ok = true;
    for (size_t i = 0; i < 32 && ok; ++i) {
      int v = 0;
      for (size_t k = 0; k < 2; ++k) {
        char c = hex[2 * i + k];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        ok = ok && d >= 0;
        v = v * 16 + d;
      }
      digest[i] = static_cast<uint8_t>(v);
    }
    if (!ok) continue;
    const mgi::TokenTable::Entry* e = lines.Find(digest);
    if (e == nullptr) continue;
    ++found;
    MGI_REQUIRE(e->hash == digest, "Find gives the entry of its hash");
    MGI_REQUIRE(!e->principal.empty() && e->principal.size() <= 128, "a kept principal is valid");
    for (char c : e->principal) {
      MGI_REQUIRE(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                      c == '@' || c == '-',
                  "a kept principal is valid");
    }
  }
  MGI_REQUIRE(found == lines.size(), "every entry is found by the hash of its line");
  return 0;
}
