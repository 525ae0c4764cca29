#!/usr/bin/env python3
"""Sorts the ThreadSanitizer reports of a tsan run (tests/sanitizers/run.sh tsan).

Usage: tsan_triage.py <report files...>

Debian's gRPC, abseil and OpenSSL are not built with -fsanitize=thread: the hand-over of a call's
state between gRPC's threads is ordered by their own atomics, which TSan cannot see, so every call
that crosses threads inside gRPC looks like a race. A report is counted as such a hand-off when
either of its two access stacks has a frame in those libraries or in gRPC's inline C++ headers
(grpc::, grpc_, gpr_, absl, libcrypto, libssl); a suppression file cannot say that (a `race:`
entry matches one frame of one stack, so `race:grpc` would also hide every race in a handler that
gRPC called). Every other report is printed in full and fails the run: it has mgi code (or the
standard library) on both sides and nothing that TSan is blind to.
A report without its summary line was cut short (its process was killed while writing it) and is
only counted. Prints one line per category and exits 1 if any other report is left.
"""
import re
import sys

BLIND = re.compile(r"grpc|gpr_|absl|libcrypto\.so|libssl\.so", re.IGNORECASE)


def reports(path):
    with open(path, errors="replace") as f:
        text = f.read()
    for block in text.split("==================")[1:]:
        if "WARNING: ThreadSanitizer" in block:
            yield block


def main(paths):
    handoffs, cut, others = 0, 0, []
    for path in paths:
        for block in reports(path):
            if "SUMMARY: ThreadSanitizer" not in block:
                cut += 1  # the process ended while writing it (killed by its test): no stacks
                continue
            # The two accesses' stacks come before the location and the threads' creation.
            accesses = re.split(r"\n  (?:Location is|Mutex M|Thread T\d+ )", block)[0]
            if BLIND.search(accesses):
                handoffs += 1
            else:
                others.append((path, block))
    for path, block in others:
        print(f"==== {path}{block}", file=sys.stderr)
    print(f"tsan: {handoffs} report(s) inside gRPC/abseil/OpenSSL hand-offs (not instrumented: "
          f"docs/development.md), {cut} cut short, {len(others)} other report(s)", file=sys.stderr)
    return 1 if others else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
