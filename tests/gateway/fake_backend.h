// An in-process fake backend for the TEST-ONLY mgi.gwtest.v1.ThingService, on a free loopback
// port, with grpc.health.v1 (through the suite's server bootstrap).
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace mgi::gateway::testing {

class FakeBackend {
 public:
  static std::unique_ptr<FakeBackend> Start();
  ~FakeBackend();
  std::string address() const;
  // Wait calls: blocks until `n` are pending (false at the deadline), then releases them all.
  bool WaitForPending(int n, std::chrono::milliseconds timeout);
  void ReleaseAll();
  // GetThing of "shelves/s2/things/held" (published) waits until ReleaseHeld; this says whether
  // `n` such calls are pending by the deadline.
  bool WaitForHeld(int n, std::chrono::milliseconds timeout);
  void ReleaseHeld();
  // Whether `n` Wait calls were cancelled by the gateway (their client went away) by the deadline.
  bool WaitForCancelled(int n, std::chrono::milliseconds timeout);
  // GetThing calls received for `name`.
  int GetCalls(const std::string& name);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mgi::gateway::testing
