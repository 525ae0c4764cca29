#include "services/common/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

extern char** environ;

namespace mgi {
namespace {

std::string EnvSuffix(const std::string& name) {
  std::string out = absl::AsciiStrToUpper(name);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

}  // namespace

absl::Status ParseDuration(const std::string& text, std::chrono::milliseconds* out) {
  std::string_view s = text;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not a duration (e.g. 250ms, 5s, 2m)"));
  }
  std::string_view unit(ptr, s.data() + s.size() - ptr);
  int64_t factor;
  if (unit.empty() || unit == "s") factor = 1000;
  else if (unit == "ms") factor = 1;
  else if (unit == "m") factor = 60'000;
  else if (unit == "h") factor = 3'600'000;
  else {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' has an unknown unit (use ms, s, m or h)"));
  }
  *out = std::chrono::milliseconds(value * factor);
  return absl::OkStatus();
}

Config::Config(std::string service) : service_(std::move(service)) {}

std::string Config::ServiceEnvName(const std::string& name) const {
  return absl::StrCat("MGI_", EnvSuffix(service_), "_", EnvSuffix(name));
}

std::string Config::SuiteEnvName(const std::string& name) {
  return absl::StrCat("MGI_", EnvSuffix(name));
}

void Config::Add(Option option) { options_.push_back(std::move(option)); }

void Config::Check(std::function<absl::Status()> check) { checks_.push_back(std::move(check)); }

void Config::SuiteWide(const std::vector<std::string>& names) {
  for (auto& o : options_) {
    if (std::find(names.begin(), names.end(), o.name) != names.end()) o.suite_wide = true;
  }
}

void Config::String(const std::string& name, std::string* out, const std::string& help,
                    std::function<absl::Status(const std::string&)> check) {
  Add({name, help, *out, [out, check](const std::string& v) {
         if (check) {
           if (auto st = check(v); !st.ok()) return st;
         }
         *out = v;
         return absl::OkStatus();
       }});
}

void Config::Choice(const std::string& name, std::string* out, const std::string& help,
                    std::vector<std::string> allowed) {
  std::string full_help = absl::StrCat(help, " (one of: ", absl::StrJoin(allowed, ", "), ")");
  Add({name, full_help, *out, [out, allowed](const std::string& v) {
         if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
           return absl::InvalidArgumentError(
               absl::StrCat("'", v, "' is not one of: ", absl::StrJoin(allowed, ", ")));
         }
         *out = v;
         return absl::OkStatus();
       }});
}

void Config::Int(const std::string& name, int64_t* out, const std::string& help, int64_t min,
                 int64_t max) {
  Add({name, help, std::to_string(*out), [out, min, max](const std::string& v) {
         int64_t value = 0;
         auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
         if (ec != std::errc() || ptr != v.data() + v.size()) {
           return absl::InvalidArgumentError(absl::StrCat("'", v, "' is not an integer"));
         }
         if (value < min || value > max) {
           return absl::InvalidArgumentError(
               absl::StrCat(value, " is out of range [", min, ", ", max, "]"));
         }
         *out = value;
         return absl::OkStatus();
       }});
}

void Config::Number(const std::string& name, double* out, const std::string& help, double min,
                    double max) {
  Add({name, help, absl::StrCat(*out), [out, min, max](const std::string& v) {
         double value = 0;
         auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
         if (ec != std::errc() || ptr != v.data() + v.size() || !std::isfinite(value)) {
           return absl::InvalidArgumentError(absl::StrCat("'", v, "' is not a number"));
         }
         if (value < min || value > max) {
           return absl::InvalidArgumentError(
               absl::StrCat(v, " is out of range [", min, ", ", max, "]"));
         }
         *out = value;
         return absl::OkStatus();
       }});
}

void Config::Bool(const std::string& name, bool* out, const std::string& help) {
  Option o{name, help, *out ? "true" : "false", [out](const std::string& v) {
             std::string l = absl::AsciiStrToLower(v);
             if (l == "true" || l == "1" || l == "yes" || l == "on") *out = true;
             else if (l == "false" || l == "0" || l == "no" || l == "off") *out = false;
             else return absl::InvalidArgumentError(absl::StrCat("'", v, "' is not a boolean"));
             return absl::OkStatus();
           }};
  o.is_bool = true;
  Add(std::move(o));
}

void Config::Duration(const std::string& name, std::chrono::milliseconds* out,
                      const std::string& help) {
  Add({name, help, absl::StrCat(out->count(), "ms"),
       [out](const std::string& v) { return ParseDuration(v, out); }});
}

void Config::List(const std::string& name, std::vector<std::string>* out, const std::string& help) {
  Add({name, help, absl::StrJoin(*out, ","), [out](const std::string& v) {
         out->clear();
         for (absl::string_view part : absl::StrSplit(v, ',', absl::SkipWhitespace())) {
           out->emplace_back(absl::StripAsciiWhitespace(part));
         }
         return absl::OkStatus();
       }});
}

absl::Status Config::Parse(int argc, const char* const* argv, const char* const* envp) {
  if (envp == nullptr) envp = environ;
  std::map<std::string, const Option*> by_name;
  for (const auto& o : options_) by_name[o.name] = &o;

  // Environment first (suite variables, then service variables), flags last: flags win.
  std::map<std::string, std::string> env;
  for (const char* const* e = envp; e && *e; ++e) {
    std::string_view kv = *e;
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  const std::string service_prefix = absl::StrCat("MGI_", EnvSuffix(service_), "_");
  std::set<std::string> known_service_vars;
  for (const auto& o : options_) known_service_vars.insert(ServiceEnvName(o.name));
  // The suite-wide peer addresses begin like a service's own variables (MGI_CATALOG_ADDR is
  // catalog-addr for every other service), so the service itself lets them pass.
  for (const char* peer : {"catalog-addr", "assessment-addr", "report-addr"}) {
    known_service_vars.insert(SuiteEnvName(peer));
  }
  for (const auto& [key, value] : env) {
    if (absl::StartsWith(key, service_prefix) && !known_service_vars.count(key)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown environment variable ", key, " (see --help for the options of mgi-", service_,
          ")"));
    }
  }
  for (const auto& o : options_) {
    for (const std::string& var : {SuiteEnvName(o.name), ServiceEnvName(o.name)}) {
      if (var == SuiteEnvName(o.name) && !o.suite_wide) continue;
      auto it = env.find(var);
      if (it == env.end()) continue;
      if (auto st = o.set(it->second); !st.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(var, ": ", st.message()));
      }
    }
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") return absl::NotFoundError(Usage());
    if (!absl::StartsWith(arg, "--")) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", arg, "'"));
    }
    std::string name = arg.substr(2), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", name, " (see --help for the options of mgi-", service_,
                       ")"));
    }
    if (!has_value) {
      if (it->second->is_bool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
      }
    }
    if (auto st = it->second->set(value); !st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, ": ", st.message()));
    }
  }
  for (const auto& check : checks_) {
    if (auto st = check(); !st.ok()) return st;
  }
  return absl::OkStatus();
}

std::string Config::Usage() const {
  std::string out = absl::StrCat("Usage: mgi-", service_, " [--flag=value]...\n\nOptions:\n");
  for (const auto& o : options_) {
    absl::StrAppend(&out, "  --", o.name, "  (", ServiceEnvName(o.name),
                    o.suite_wide ? absl::StrCat(" or ", SuiteEnvName(o.name)) : "",
                    "; default: \"", o.default_text, "\")\n      ", o.help, "\n");
  }
  return out;
}

int ParseOrExit(Config& config, int argc, char** argv) {
  absl::Status st = config.Parse(argc, argv);
  if (st.ok()) return -1;
  if (absl::IsNotFound(st)) {
    std::cout << st.message();
    return 0;
  }
  std::cerr << "mgi-" << config.service() << ": configuration error: " << st.message() << "\n";
  return 2;
}

}  // namespace mgi
