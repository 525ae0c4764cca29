#include "services/common/port_reservation.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace mgi {

PortReservation::PortReservation(PortReservation&& other) noexcept : fds_(std::move(other.fds_)) {
  other.fds_.clear();
}

PortReservation& PortReservation::operator=(PortReservation&& other) noexcept {
  if (this != &other) {
    Release();
    fds_ = std::move(other.fds_);
    other.fds_.clear();
  }
  return *this;
}

PortReservation::~PortReservation() { Release(); }

void PortReservation::Release() {
  for (int fd : fds_) ::close(fd);
  fds_.clear();
}

absl::Status PortReservation::Hold(const std::string& host, int port, const std::string& what) {
  if (port <= 0) return absl::OkStatus();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  if (::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found) != 0) {
    return absl::OkStatus();  // the server's own resolution reports it
  }
  std::string address = absl::StrCat(
      host.find(':') != std::string::npos ? absl::StrCat("[", host, "]") : host, ":", port);
  absl::Status failed;
  for (addrinfo* a = found; a != nullptr && failed.ok(); a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;  // e.g. no IPv6 on this machine: the server will not bind it either
    int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0) {
      int err = errno;
      ::close(fd);
      failed = absl::UnavailableError(absl::StrCat(
          "cannot listen on ", address, " (", what, "): ",
          err == EADDRINUSE ? "the address is in use by another process"
                            : absl::StrCat("the address is not usable here: ", std::strerror(err))));
      break;
    }
    fds_.push_back(fd);
  }
  ::freeaddrinfo(found);
  return failed;
}

}  // namespace mgi
