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
# libreoffice-calc-nogui: headless recalculation of the exported LKE workbook (tests/lke_workbook)
[ -n "$extra" ] && system_packages+=(libreoffice-calc-nogui)
# npm fetches axe-core for the accessibility test (a Node from elsewhere that brings its own npm will do)
[ -n "$extra" ] && ! command -v npm >/dev/null && system_packages+=(nodejs npm)

missing=()
for p in "${system_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "Installing system packages: ${missing[*]}"
    $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".$extra"
.venv/bin/python -m zi.catalogs  # the .mo files an editable install reads from the source tree

# axe-core for tests/web/test_accessibility.py, in a git-ignored folder (AXE_DIR to put it elsewhere)
if [ -n "$extra" ]; then
    axe_dir=${AXE_DIR:-.cache/axe}
    if [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ]; then
        npm install --prefix "$axe_dir" --no-audit --no-fund --silent axe-core@4
    fi
fi
