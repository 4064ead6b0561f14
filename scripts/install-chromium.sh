#!/usr/bin/env sh
# Install headless Chromium (Debian package `chromium`) for the report's browser test.
# Idempotent: does nothing when /usr/bin/chromium is already there. Needs root (or sudo).
set -eu

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "chromium already installed: $($CHROMIUM --version 2>/dev/null || echo "$CHROMIUM")"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "cannot install chromium: not root and no passwordless sudo (run: apt-get install -y chromium)" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "cannot install chromium: apt-get not found (install the 'chromium' package by hand)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
echo "installed: $($CHROMIUM --version)"
