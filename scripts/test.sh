#!/usr/bin/env bash
# Runs every test of TrackTrace.sln against the local infrastructure (scripts/infra.sh).
# Usage: scripts/test.sh [extra dotnet test arguments...]
#
# TRX results go to .tracktrace/test-results/ (emptied first). The last line printed is
# "N passed, N failed" (", N skipped" follows when tests were skipped), summed over all
# test projects. Exit status: 0 when dotnet test succeeded and no test failed; otherwise
# non-zero (1 for failed tests, dotnet's own code for a build error or a crashed run).
# Under CI=true the infrastructure is stopped at the end if this script started it
# (TRACKTRACE_KEEP_INFRA=1 keeps it); elsewhere it stays running for the next run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
STATE=$ROOT/.tracktrace
RESULTS=$STATE/test-results
OUTPUT=$STATE/test-output.log

was_running=0
if scripts/infra.sh status >/dev/null 2>&1; then was_running=1; fi
scripts/infra.sh start
set -a
# shellcheck source=/dev/null
. "$STATE/env"
set +a

rm -rf "$RESULTS"
mkdir -p "$RESULTS"

# The staff page's browser test (tests/browser, run by Browser/StaffPageBrowserTests) needs Debian's
# Chromium, certutil (libnss3-tools) to make Chromium trust the test CA, Node.js and playwright-core.
# As root, install what is missing; otherwise that test fails and names what to install.
browser_packages=()
[[ -x /usr/bin/chromium ]] || browser_packages+=(chromium)
command -v certutil >/dev/null || browser_packages+=(libnss3-tools)
command -v node >/dev/null || browser_packages+=(nodejs)
command -v npm >/dev/null || browser_packages+=(npm)
# The cluster tests (Cluster/ClusterTests) put HAProxy in front of two instances.
[[ -x /usr/sbin/haproxy ]] || browser_packages+=(haproxy)
if ((${#browser_packages[@]} > 0)); then
  if [[ $(id -u) == 0 ]]; then
    echo "test.sh: installing ${browser_packages[*]} for the browser and cluster tests"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${browser_packages[@]}" >/dev/null; } ||
      echo "test.sh: warning: apt-get could not install ${browser_packages[*]}; the browser or cluster tests will fail" >&2
  else
    echo "test.sh: warning: ${browser_packages[*]} missing and not root; the browser or cluster tests will fail" >&2
  fi
fi
# npm ci only when node_modules is missing or was installed from another lock file: the browser
# test (tests/browser) and the EPCIS interop test (tests/epcis-interop, epcis2.js).
if command -v npm >/dev/null; then
  for NODE_TEST in "$ROOT/tests/browser" "$ROOT/tests/epcis-interop"; do
    lock=$(sha256sum "$NODE_TEST/package-lock.json" | cut -d' ' -f1)
    if [[ ! -d $NODE_TEST/node_modules || $(cat "$NODE_TEST/node_modules/.tracktrace-lock" 2>/dev/null) != "$lock" ]]; then
      if npm ci --prefix "$NODE_TEST" --no-audit --no-fund --loglevel=error; then
        echo "$lock" >"$NODE_TEST/node_modules/.tracktrace-lock"
      else
        echo "test.sh: warning: npm ci --prefix ${NODE_TEST#"$ROOT"/} failed; its test will fail" >&2
      fi
    fi
  done
fi

set +e
# The TRX logger's default file names are made unique per test project (a fixed
# LogFileName or a LogFilePrefix can collide when projects finish in the same second).
dotnet test TrackTrace.sln --logger trx --results-directory "$RESULTS" "$@" 2>&1 |
  tee "$OUTPUT"
rc=${PIPESTATUS[0]}
set -e

# Counts from the TRX files' <Counters> element; "error", "timeout" and "aborted" are
# failures too, and what was not executed (xunit's Skip) is skipped.
count_trx() {
  local f line passed=0 failed=0 skipped=0 total executed a
  local -A c
  for f in "$RESULTS"/*.trx; do
    [[ -f $f ]] || continue
    line=$(grep -o '<Counters [^>]*>' "$f" | head -n 1) || continue
    for a in total executed passed failed error timeout aborted notExecuted; do
      if [[ $line =~ [[:space:]]$a=\"([0-9]+)\" ]]; then c[$a]=${BASH_REMATCH[1]}; else c[$a]=0; fi
    done
    total=${c[total]} executed=${c[executed]}
    passed=$((passed + c[passed]))
    failed=$((failed + c[failed] + c[error] + c[timeout] + c[aborted]))
    if ((c[notExecuted] > 0)); then
      skipped=$((skipped + c[notExecuted]))
    elif ((total > executed)); then
      skipped=$((skipped + total - executed))
    fi
  done
  echo "$passed $failed $skipped"
}

# Fallback when no TRX file was written: dotnet's per-project summary lines
# ("Failed!  - Failed: 1, Passed: 2, Skipped: 0, Total: 3, Duration: ...").
count_output() {
  awk '
    /(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+, +Skipped: +[0-9]+/ {
      line = $0; gsub(/[^0-9,]/, " ", line); split(line, n, ",")
      f += n[1]; p += n[2]; s += n[3]
    }
    END { printf "%d %d %d\n", p, f, s }' "$OUTPUT"
}

# The TRX files are the source; dotnet's own lines win only when they saw more tests
# (a TRX file missing or overwritten).
read -r passed failed skipped < <(count_trx)
read -r o_passed o_failed o_skipped < <(count_output)
if ((o_passed + o_failed + o_skipped > passed + failed + skipped)); then
  passed=$o_passed failed=$o_failed skipped=$o_skipped
fi

status=0
if ((failed > 0)); then
  status=1
elif ((rc != 0)); then
  status=$rc
  echo "test.sh: dotnet test failed with exit code $rc (build error, crashed test host or bad arguments); see above" >&2
elif ((passed + skipped == 0)); then
  echo "test.sh: warning: no test ran" >&2
fi
if ((failed > 0 && rc == 0)); then
  echo "test.sh: warning: dotnet test exited 0 although tests failed" >&2
fi

if [[ ${CI:-} == true && $was_running == 0 && ${TRACKTRACE_KEEP_INFRA:-0} != 1 ]]; then
  scripts/infra.sh stop || echo "test.sh: warning: scripts/infra.sh stop failed" >&2
fi

summary="$passed passed, $failed failed"
if ((skipped > 0)); then summary+=", $skipped skipped"; fi
echo "$summary"
exit "$status"
