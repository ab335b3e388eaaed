#!/usr/bin/env bash
# Runs a command (the tests) in a private environment, removed when it ends:
#  - a private D-Bus session with a fresh, unlocked GNOME Keyring: a real Secret Service, so the keychain tests exercise
#    keytar for real and never touch the user's own keyring. Where dbus-run-session or gnome-keyring-daemon is missing
#    (not Linux, or not installed), the command runs without one and the keychain tests report themselves skipped with
#    the reason;
#  - its own temporary folder (TMPDIR), so that the folders the tests, the test bridge and Chromium make there go with
#    it, passed or failed, rather than piling up in /tmp run after run. AEIMG_KEEP_TEST_TMP=1 keeps it to look at.
set -euo pipefail
run="$(mktemp -d "${TMPDIR:-/tmp}/aeimg-tests.XXXXXX")"
if [ "${AEIMG_KEEP_TEST_TMP:-}" = 1 ]; then
  echo "test files kept in $run" >&2
else
  trap 'rm -rf "$run"' EXIT
fi
mkdir "$run/tmp" "$run/data"
export TMPDIR="$run/tmp"
if [ "$(uname)" = Linux ] && command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  export XDG_DATA_HOME="$run/data"
  dbus-run-session -- bash -c \
    'echo -n aeimg-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && AEIMG_TEST_KEYRING=1 exec "$@"' bash "$@" \
    2> >(grep -v 'Failed to set fd limit' >&2)
else
  "$@"
fi
