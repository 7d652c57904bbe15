#!/usr/bin/env bash
# Install a CJK font so Chinese labels render in the city briefs (matplotlib charts, and
# Chromium when briefs are printed to PDF).
#   - as root with apt-get: Debian's fonts-wqy-microhei (about 5 MB), seen by both;
#   - otherwise: the PyPI package noto-cjk-sans-otc (Noto Sans CJK, about 15 MB) into the Python
#     environment $PYTHON (default: .venv/bin/python if present, else python3), linked into
#     ~/.local/share/fonts so that fontconfig (Chromium) finds it too.
# Then it checks that matplotlib finds a CJK font. Safe to run again.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x "$here/.venv/bin/python" ]]; then PYTHON="$here/.venv/bin/python"; else PYTHON=python3; fi
fi

apt_font=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
if [[ -f "$apt_font" ]]; then
    echo "install_fonts: $apt_font already installed"
elif [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
    echo "install_fonts: apt-get install fonts-wqy-microhei"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends fonts-wqy-microhei \
        || { apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei; } \
        || echo "install_fonts: apt-get failed; falling back to pip"
fi

if [[ ! -f "$apt_font" ]]; then
    echo "install_fonts: no apt font; pip install noto-cjk-sans-otc"
    "$PYTHON" -m pip install --quiet noto-cjk-sans-otc
    font="$("$PYTHON" -c 'import noto_cjk_sans_otc as n; print(n.FONT_PATH)')"
    fontdir="${XDG_DATA_HOME:-$HOME/.local/share}/fonts"
    mkdir -p "$fontdir"
    ln -sf "$font" "$fontdir/NotoSansCJK-Regular.ttc"
    if command -v fc-cache >/dev/null 2>&1; then fc-cache -f "$fontdir" >/dev/null 2>&1 || true; fi
fi

"$PYTHON" -m innovation_forecast.briefs.fonts
