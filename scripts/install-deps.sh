#!/usr/bin/env bash
# Installs the Debian 12 packages lithosim builds and runs with, only those missing.
# Idempotent and non-interactive; works as root or through sudo.
set -euo pipefail

PACKAGES=(
  build-essential cmake make git pkg-config
  python3                  # tests: scripts/check_layers.py
  libeigen3-dev            # Eigen 3.4: small dense algebra and fits
  libhdf5-dev              # HDF5 1.10 C and C++ API
  libvtk9-dev              # VTK 9.1: .vti files and figures
  libboost-program-options-dev
  catch2                   # Catch2 2.13
  nlohmann-json3-dev
  libopenmpi-dev openmpi-bin
  libgdcm-dev              # DICOM CT import
  xvfb xauth               # headless rendering
  libxml2-dev              # tests: the HTML report and .pvd files are parsed with libxml2
  dicom3tools              # tests: dciodvfy checks the DICOM-RT files lithosim plan --dicom-rt writes
  chromium                 # --pdf prints the report (headless); tests render the report at 1280 px
  pybind11-dev python3-pybind11   # the lithosim Python module (python/)
  python3-numpy            # the module's maps and series are NumPy arrays
  python3-pytest           # tests: the Python module's tests run through pytest
  python3-matplotlib       # examples/sweep_setting.py plots p+ against the setting
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo -E); else
    echo "install-deps: missing packages (${missing[*]}) and not root, no sudo" >&2; exit 2
  fi
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
