// Holds a service's listening ports from start-up until its server listens on them.
//
// A service opens client connections (Redis, its peers, its database) while it starts, before its
// gRPC server binds. Linux picks the source port of each such connection from the ephemeral range
// (32768-60999 by default), which holds the suite's default ports (50051-50053): a connection made
// from 127.0.0.1:50052 would make the service's own bind fail with "address in use". The kernel
// never picks a port that a socket has bound explicitly, so the bootstrap binds each listening
// address first (SO_REUSEADDR, not listening), and the server binds over it (also SO_REUSEADDR,
// which Linux allows while the first socket does not listen). Binding first also makes a taken
// port fail the start at once, before migrations and seeding.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace mgi {

class PortReservation {
 public:
  PortReservation() = default;  // holds nothing
  PortReservation(PortReservation&& other) noexcept;
  PortReservation& operator=(PortReservation&& other) noexcept;
  PortReservation(const PortReservation&) = delete;
  PortReservation& operator=(const PortReservation&) = delete;
  ~PortReservation();

  // Binds every address `host`:`port` resolves to, and holds it too. Port 0 (any free port) holds
  // nothing. An address another process listens on, or one that is not local, is UNAVAILABLE
  // naming `what` (e.g. "--port"); a host that does not resolve is left to the server to report.
  absl::Status Hold(const std::string& host, int port, const std::string& what);

  // Lets the ports go (the server listens on them now). Idempotent.
  void Release();
  bool holds() const { return !fds_.empty(); }

 private:
  std::vector<int> fds_;
};

}  // namespace mgi
