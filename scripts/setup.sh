#!/usr/bin/env bash
# Installs what COI Tracker needs on Debian/Ubuntu: system libraries (apt-get, when allowed)
# and a virtual environment in .venv with the application and its test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

# Runtime: zbar (pyzbar), Qt's xcb/EGL/GL/font libraries, libpulse (QtMultimedia).
# Tests: poppler-utils (pdftoppm), xvfb and xauth (a virtual screen).
PACKAGES=(
  libzbar0 libegl1 libgl1 libopengl0 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3
  libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xfixes0
  libxcb-xinerama0 libxcb-xkb1 libpulse0 libpulse-mainloop-glib0 libnss3 libasound2
  poppler-utils xvfb xauth
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "COI Tracker needs these system packages (Debian names): ${missing[*]}" >&2
    echo "This machine has no apt-get: install their equivalents, then run this again." >&2
    exit 1
  fi
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo)
  else
    echo "COI Tracker needs these system packages and cannot install them without root:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    echo "Run that command (or ask an administrator to), then run this again." >&2
    exit 1
  fi
  echo "Installing system packages: ${missing[*]}"
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PYTHON=$candidate
      break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "COI Tracker needs Python 3.11 or newer (with venv): sudo apt-get install -y python3 python3-venv" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv || {
    echo "Could not create a virtual environment: sudo apt-get install -y python3-venv" >&2
    exit 1
  }
fi
stamp=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f .venv/.setup-stamp ] || [ "$(cat .venv/.setup-stamp)" != "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[test]'
  # PySide6 6.12 (kept out by pyproject.toml: it crashes on Python 3.11) brought PySide6_Pdf and
  # PySide6_WebEngine wheels that claim files of PySide6_Addons. After the step back they are
  # left behind, at the wrong version: remove them and lay the kept Qt down again.
  qt=$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("PySide6"))')
  for extra in PySide6_Pdf PySide6_WebEngine; do
    version=$(.venv/bin/python -c "import importlib.metadata as m; print(m.version('$extra'))" 2>/dev/null || true)
    if [ -n "$version" ] && [ "${version#"$qt"}" = "$version" ]; then
      .venv/bin/python -m pip uninstall --quiet -y PySide6_Pdf PySide6_WebEngine
      .venv/bin/python -m pip install --quiet --force-reinstall --no-deps "PySide6==$qt" \
        "PySide6_Essentials==$qt" "PySide6_Addons==$qt" "shiboken6==$qt"
      break
    fi
  done
  echo "$stamp" > .venv/.setup-stamp
fi
