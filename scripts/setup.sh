#!/usr/bin/env bash
# Installs what zi needs on a Debian machine: system packages (when run as root
# or with sudo), then a virtual environment in .venv with zi and, with --test,
# its test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

extra=""
[ "${1:-}" = "--test" ] && extra="[test]"

system_packages=(python3-venv python3-dev fonts-noto-core fonts-dejavu-core
                 libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 shared-mime-info
                 poppler-utils)
# postgresql-client: pg_dump and psql for the backup tests on PostgreSQL (Debian 12: version 15)
[ -n "$extra" ] && system_packages+=(chromium postgresql-client)

missing=()
for p in "${system_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "Installing system packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".$extra"
.venv/bin/python -m zi.catalogs  # the .mo files an editable install reads from the source tree
