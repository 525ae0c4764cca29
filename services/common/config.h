// Configuration from flags and MGI_* environment variables, validated at start.
//
// Every option has a flag `--name=value` (or `--name value`) and an environment variable
// MGI_<SERVICE>_<NAME> (upper case, '-' -> '_'); options marked suite-wide (log format, peer
// addresses, Redis...) are also read from MGI_<NAME>, so one variable configures every service. Precedence: flag, service variable, suite
// variable, default. An unknown flag, an unknown MGI_<SERVICE>_* variable or a bad value is an
// error that names it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace mgi {

class Config {
 public:
  // `service` names the binary, e.g. "catalog"; it gives the MGI_CATALOG_ prefix.
  explicit Config(std::string service);

  void String(const std::string& name, std::string* out, const std::string& help,
              std::function<absl::Status(const std::string&)> check = nullptr);
  void Choice(const std::string& name, std::string* out, const std::string& help,
              std::vector<std::string> allowed);
  void Int(const std::string& name, int64_t* out, const std::string& help, int64_t min,
           int64_t max);
  // A decimal number, e.g. "0.5" (finite, within [min, max]).
  void Number(const std::string& name, double* out, const std::string& help, double min,
              double max);
  void Bool(const std::string& name, bool* out, const std::string& help);
  // Durations are written like "250ms", "5s", "2m" or "1h".
  void Duration(const std::string& name, std::chrono::milliseconds* out, const std::string& help);
  // A comma-separated list.
  void List(const std::string& name, std::vector<std::string>* out, const std::string& help);

  // Marks options as suite-wide: MGI_<NAME> sets them too.
  void SuiteWide(const std::vector<std::string>& names);

  // A check across options, run at the end of a successful Parse (in the order added); its
  // error is Parse's error, so it should name the options involved.
  void Check(std::function<absl::Status()> check);

  // Parses argv and envp (the process environment when null). `--help` gives a NOT_FOUND status
  // whose message is the usage text.
  absl::Status Parse(int argc, const char* const* argv, const char* const* envp = nullptr);

  std::string Usage() const;
  const std::string& service() const { return service_; }
  // The environment variable names of an option: the service one, then the suite one.
  std::string ServiceEnvName(const std::string& name) const;
  static std::string SuiteEnvName(const std::string& name);

 private:
  struct Option {
    std::string name;
    std::string help;
    std::string default_text;
    std::function<absl::Status(const std::string&)> set;
    bool is_bool = false;
    bool suite_wide = false;
  };
  void Add(Option option);
  std::string service_;
  std::vector<Option> options_;
  std::vector<std::function<absl::Status()>> checks_;
};

// Parses "250ms", "5s", "2m", "1h" (a bare number is seconds).
absl::Status ParseDuration(const std::string& text, std::chrono::milliseconds* out);

// Parses the config, prints usage or the error to stderr. Returns -1 to go on, or an exit code
// (0 after --help, 2 after an error) for main to return.
int ParseOrExit(Config& config, int argc, char** argv);

}  // namespace mgi
