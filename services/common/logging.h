// Structured logging with spdlog: human-readable text or one JSON object per line.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace mgi {

// Sets the default spdlog logger for `service`. `format` is "text" or "json"; `level` is one of
// trace, debug, info, warn, error, critical, off. Logs go to stderr.
absl::Status InitLogging(const std::string& service, const std::string& format,
                         const std::string& level);

}  // namespace mgi
