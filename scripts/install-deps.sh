#!/usr/bin/env bash
# Installs the Debian packages Backstop builds and tests with. Idempotent: a no-op when all are present.
set -euo pipefail

packages=(
  g++ clang cmake make pkg-config git
  libgtest-dev libgmock-dev libbenchmark-dev libmimalloc-dev
  libfmt-dev libcli11-dev libtomlplusplus-dev libxxhash-dev zlib1g-dev libisal-dev
  chromium  # ~100 MB: the replay report's render test (tests/report/html_report_test.cpp)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
