// Pure rules on profiles, with no storage and no gRPC: names, validation against the catalog,
// completeness for publishing, update masks, etags, and the comparison of findings.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/status.h"
#include "mgi/assessment/v1/assessment_service.pb.h"
#include "services/assessment/catalog_client.h"

namespace mgi::assessment {

namespace av1 = mgi::assessment::v1;

inline constexpr char kDocumentFormat[] = "mgi.profiles/v1";

// "profiles/{id}" with id of 1 to 63 lower-case letters, digits and '-', starting with a letter.
bool IsValidProfileId(const std::string& id);
// The id of a valid profile name, or INVALID_ARGUMENT naming `field`.
absl::StatusOr<std::string> ParseProfileName(const std::string& name, const std::string& field);

// Clears the output-only fields a client may not set (state, times, revision, etag,
// previous_edition and every display field).
void ClearOutputOnly(av1::Profile* p);
// Clears only the display fields (display_title, findings' display_text/display_language).
void ClearDisplay(av1::Profile* p);

// Puts the domains in catalog order (unknown ones last, as written).
void SortDomains(av1::Profile* p, const std::vector<std::string>& catalog_domains);
// Gives every finding without an id one that is unique in the profile ("f1", "f2"...).
void AssignFindingIds(av1::Profile* p);

// Checks a profile's content (not its state machine fields) and appends one violation per
// problem, field paths prefixed with `prefix` ("profile" or "profiles[0]"; "" for none). A
// non-OK return is a failure to ask the catalog, not a problem of the profile.
absl::Status ValidateContent(const av1::Profile& p, const std::string& prefix,
                             CatalogClient& catalog, std::vector<FieldViolation>* out);

// What a draft lacks to be published: every catalog domain present with at least one finding,
// text in the profile's first language on every finding. Appends one violation per gap.
void CompletenessGaps(const av1::Profile& p, const std::vector<std::string>& catalog_domains,
                      const std::string& prefix, std::vector<FieldViolation>* out);

// The writable top-level fields, by proto name.
const std::vector<std::string>& WritableFields();
// Resolves an update mask: empty gives every writable field set in `patch`, "*" every writable
// field; an unknown or output-only path is INVALID_ARGUMENT naming "update_mask".
absl::StatusOr<std::vector<std::string>> ResolveMask(const std::vector<std::string>& paths,
                                                     const av1::Profile& patch);
// Copies the fields named by `fields` from `patch` into `target`.
void ApplyMask(const std::vector<std::string>& fields, const av1::Profile& patch,
               av1::Profile* target);
// The writable top-level fields whose values differ between `a` and `b`.
std::vector<std::string> ChangedFields(const av1::Profile& a, const av1::Profile& b);

// A quoted entity tag derived from the whole profile (etag and display fields excluded), so the
// same content, times and revision always give the same etag.
std::string ComputeEtag(const av1::Profile& p);

// A text picked from a per-language map.
struct LocalizedText {
  const std::string* text = nullptr;  // null only when the map is empty
  std::string language;               // the language of `text`
  bool fallback = false;              // `language` is not the one asked for
};
// Looks `language` up in `texts`: the exact tag, then its primary language ("fr" for "fr-CA"),
// then each of `profile_languages` in order, then English, then the first entry. No language is
// required: a Swahili-only text is found for any request.
LocalizedText LookupText(const google::protobuf::Map<std::string, std::string>& texts,
                         const std::string& language,
                         const google::protobuf::RepeatedPtrField<std::string>& profile_languages);
// The language a profile is shown in when a read names none: its first language, else "en".
std::string DefaultLanguage(const av1::Profile& p);

// How findings are matched when comparing: text in `language`, else English; lower-cased (ASCII),
// whitespace runs collapsed to one space, trimmed, and trailing '.' removed.
std::string FindingKey(const av1::Finding& f, const std::string& language);
// Compares one group of findings: `newer` against `older`.
av1::FindingGroupChanges CompareGroup(const google::protobuf::RepeatedPtrField<av1::Finding>& newer,
                                      const google::protobuf::RepeatedPtrField<av1::Finding>& older,
                                      const std::string& language);

// A proto map as a std::map (for mgi::Lookup).
std::map<std::string, std::string> ToStdMap(
    const google::protobuf::Map<std::string, std::string>& m);

// "a draft", "published", "archived": a state as a message says it.
std::string StateWord(av1::ProfileState s);

}  // namespace mgi::assessment
