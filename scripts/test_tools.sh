#!/bin/sh
# Tools the test suite uses that come from the system, not from pip: nginx, for the
# reverse-proxy tests. Installed from Debian's packages when it is missing and this user may
# (root, or sudo without a password); otherwise the tests that need it are skipped and say why.
# Never fails: a machine without nginx still runs every other test.
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "test tools: no apt-get here; the reverse-proxy tests will be skipped (install nginx to run them)"
    exit 0
fi
if [ "$(id -u)" = 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root="sudo -n"
else
    echo "test tools: nginx is missing and this user cannot install packages; the reverse-proxy tests will be skipped"
    exit 0
fi
echo "test tools: installing nginx from Debian's packages for the reverse-proxy tests"
install() { DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -q --no-install-recommends nginx >/dev/null; }
install || { $as_root apt-get update -q >/dev/null && install; } \
    || echo "test tools: nginx could not be installed; the reverse-proxy tests will be skipped"
exit 0
