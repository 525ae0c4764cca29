// SearchFindings: key findings across countries, editions and languages, on the store's own index
// (ProfileStore::SearchFindings). The query syntax, the access rule and the order are here; the
// matching is the store's, the display fields come from ProfileManager::GetProfile.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/text.h"
#include "mgi/assessment/v1/assessment_service.pb.h"
#include "services/assessment/catalog_client.h"
#include "services/assessment/finding_index.h"
#include "services/assessment/profile_manager.h"
#include "services/assessment/profile_store.h"

namespace mgi::assessment {

// A query string read: its terms in search keys. `blank`: the query has no characters but spaces
// (a listing); a query with characters but no words (only emoji or punctuation) has no terms and
// is not blank: it finds nothing.
struct ParsedSearch {
  std::vector<SearchTerm> terms;
  bool blank = true;
};

// Reads `query`: words, "quoted phrases" (an unclosed quote runs to the end), `prefix*`. A word
// whose search key has several words ("co-operation") is a phrase of them. INVALID_ARGUMENT naming
// "query" when it is longer than 500 code points or has more than 32 terms.
absl::StatusOr<ParsedSearch> ParseSearchQuery(std::string_view query);

// Where `terms` match in `text`, in code points, sorted and merged: each term's words as
// consecutive words of the text, compared by search key (the last one as a prefix when the term
// is one).
std::vector<av1::TextRange> FindMatches(std::string_view text, const std::vector<SearchTerm>& terms);

// An excerpt of about `width` code points of `text` around its first match (or its start), cut at
// word boundaries, with the matches inside it.
av1::Snippet MakeSnippet(std::string_view text, const std::vector<av1::TextRange>& matches,
                         int width = 200);

class FindingSearch {
 public:
  // All three outlive this.
  FindingSearch(ProfileStore* store, ProfileManager* profiles, CatalogConnector* catalog)
      : store_(store), profiles_(profiles), catalog_(catalog) {}

  // Anonymous callers and callers without the right to read drafts search published and archived
  // profiles; a filter on state DRAFT is their refusal. Others search every state.
  absl::StatusOr<av1::SearchFindingsResponse> Search(const av1::SearchFindingsRequest& req,
                                                     const Caller& caller);

 private:
  const text::Collation& CollationFor(const std::string& language);

  ProfileStore* store_;
  ProfileManager* profiles_;
  CatalogConnector* catalog_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<text::Collation>> collations_;
};

}  // namespace mgi::assessment
