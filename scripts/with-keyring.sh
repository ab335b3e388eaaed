#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with a fresh, unlocked GNOME Keyring: a real Secret Service, so the
# keychain tests exercise keytar for real and never touch the user's own keyring. Where dbus-run-session or
# gnome-keyring-daemon is missing (not Linux, or not installed), the command runs as it is and the keychain tests
# report themselves skipped with the reason.
set -euo pipefail
if [ "$(uname)" = Linux ] && command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  XDG_DATA_HOME="$(mktemp -d)"
  export XDG_DATA_HOME
  exec dbus-run-session -- bash -c \
    'echo -n aeimg-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && AEIMG_TEST_KEYRING=1 exec "$@"' bash "$@" \
    2> >(grep -v 'Failed to set fd limit' >&2)
fi
exec "$@"
