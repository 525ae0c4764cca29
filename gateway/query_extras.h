// Query-string forms beyond scalars (request building's ApplyQuery calls these): map entries
// (`labels[k]=v`, as grpc-gateway), a FieldMask from its comma-separated text split here rather
// than by the JSON parser (`update_mask=title,displayName` -> paths "title", "display_name"), and
// the names an operator tells the gateway to ignore (`--ignored-query-params`, as Envoy's
// `ignored_query_parameters`).
#pragma once

#include <set>
#include <string>
#include <vector>

#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/message.h>

#include "absl/status/status.h"

namespace mgi::gateway {

// "a.labels[k]": a field path, then one bracketed key at the end.
bool IsMapParam(const std::string& key);

// Adds the entry `key`'s bracket names to the map field before it, from text (`value` as the
// map's value type: scalars and enums; a map of messages is an error). A key given twice, a field
// that is not a map, or a map already bound by the path or body (`bound`) is INVALID_ARGUMENT
// naming the parameter. `seen` collects "<field>[<key>]" to find repeats.
absl::Status ApplyMapParam(google::protobuf::Message* request, const std::string& key,
                           const std::string& value, const std::vector<std::string>& bound,
                           std::set<std::string>* seen);

// A FieldMask's text form: comma-separated paths, each dotted, each segment lowerCamel or
// snake_case ([A-Za-z0-9_], not starting with a digit), stored snake_case. Empty items are
// skipped. Malformed: INVALID_ARGUMENT with a description.
absl::Status ParseFieldMaskText(const std::string& text, google::protobuf::FieldMask* mask);

// The names of `--ignored-query-params`, matched exactly against the decoded parameter name.
using IgnoredQueryParams = std::set<std::string>;

}  // namespace mgi::gateway
