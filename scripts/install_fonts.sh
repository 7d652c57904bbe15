#!/usr/bin/env bash
# Install a CJK font so Chinese labels render in the city briefs' charts.
#   - as root with apt-get: Debian's fonts-wqy-microhei (about 5 MB);
#   - otherwise: the PyPI package noto-cjk-sans-otc (Noto Sans CJK, about 15 MB) into the
#     Python environment given by $PYTHON (default: .venv/bin/python if present, else python3).
# Then it checks that matplotlib finds the font. Safe to run again.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x "$here/.venv/bin/python" ]]; then PYTHON="$here/.venv/bin/python"; else PYTHON=python3; fi
fi

have_font() {
    "$PYTHON" -m innovation_forecast.briefs.fonts >/dev/null 2>&1
}

if have_font; then
    "$PYTHON" -m innovation_forecast.briefs.fonts
    exit 0
fi

installed=no
if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
    echo "install_fonts: apt-get install fonts-wqy-microhei"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends fonts-wqy-microhei; then
        apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei || true
    fi
    [[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]] && installed=yes
fi
if [[ "$installed" == no ]]; then
    echo "install_fonts: no apt (or not root); pip install noto-cjk-sans-otc"
    "$PYTHON" -m pip install --quiet noto-cjk-sans-otc
fi

"$PYTHON" -m innovation_forecast.briefs.fonts
