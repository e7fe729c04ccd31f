#!/usr/bin/env bash
# Installs everything ClassPulse needs on a fresh Debian machine: system packages (apt, as root),
# then a virtualenv at .venv/ with the exact versions in requirements.lock (hash-checked; refresh
# it with `make lock`) and the project itself, editable. Safe to run again: it skips what is
# already there, and reinstalls when pyproject.toml or the lock changed.
set -euo pipefail
cd "$(dirname "$0")/.."

# OCR packs for the scripts of the big classroom languages (name labels; choose with --lang or
# [capture] ocr_languages): Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Bengali, Tamil,
# Hangul, Japanese, simplified and traditional Chinese, Thai; Noto fonts draw them in the tests,
# and other free UI fonts (capture/synth_scripts.py) so that no rate comes from one typeface.
APT_PKGS=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-script-latn xvfb x11-utils xdotool chromium chromium-driver
          postgresql fonts-dejavu-core fonts-noto-core fonts-noto-color-emoji fonts-noto-cjk
          tesseract-ocr-rus tesseract-ocr-script-cyrl tesseract-ocr-ell tesseract-ocr-ara tesseract-ocr-heb
          tesseract-ocr-hin tesseract-ocr-ben tesseract-ocr-tam tesseract-ocr-kor tesseract-ocr-script-hang
          tesseract-ocr-jpn tesseract-ocr-chi-sim tesseract-ocr-chi-tra tesseract-ocr-tha
          tesseract-ocr-script-viet fonts-noto-ui-core
          fonts-lato fonts-roboto-unhinted fonts-open-sans fonts-nanum fonts-ipafont-gothic
          fonts-wqy-microhei)

missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
[[ -x .venv/bin/python ]] || "$PY" -m venv .venv
stamp=.venv/.classpulse-installed
if [[ ! -f $stamp || pyproject.toml -nt $stamp || requirements.lock -nt $stamp ]]; then
  echo "setup: installing Python packages into .venv from requirements.lock"
  .venv/bin/python -m pip install -q --require-hashes -r requirements.lock
  # The project only: its dependencies are all in the lock (setuptools too, hence no isolation).
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
  touch "$stamp"
fi
echo "setup: ready"
