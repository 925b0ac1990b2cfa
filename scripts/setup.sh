#!/usr/bin/env bash
# Idempotent machine + project setup: system packages only when missing, then the venv.
set -euo pipefail
cd "$(dirname "$0")/.."

# libtesseract-dev and a compiler: tesserocr is built against the system's libtesseract,
# so the pipeline reads pages with the same engine as the `tesseract` command
APT_PACKAGES=(tesseract-ocr tesseract-ocr-dan tesseract-ocr-osd libtesseract-dev libleptonica-dev
              pkg-config g++ python3-dev poppler-utils hunspell hunspell-da qpdf chromium)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing system packages: ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
PIP_NO_BINARY=tesserocr .venv/bin/python -m pip install -q -e ".[dev]"
echo "setup: ready ($(tesseract --version 2>&1 | head -1), $(.venv/bin/python --version))"
