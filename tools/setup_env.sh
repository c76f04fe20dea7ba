#!/usr/bin/env bash
# Set up everything sase_mm needs on a fresh machine, idempotently.
#
# Creates a virtual environment at .venv in the checkout, installs the pinned
# torch / OpenMMLab / timm stack, builds mmcv 2.1.0 from its sdist once (the
# wheel is cached outside the checkout, in $SASE_MM_CACHE), installs this
# package in editable mode and the real Fashion-MNIST files from Debian.
# A second run that finds the same pins and package files takes seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON_BIN="${SASE_MM_PYTHON:-python3.11}"
CACHE="${SASE_MM_CACHE:-$HOME/.cache/sase_mm}"
STAMP="$VENV/.sase_mm_setup_stamp"

TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.1
MMCV_VERSION=2.1.0
# mmcv's ops are compiled against one torch ABI and Python; CUDA kernels are
# built only when SASE_MM_MMCV_CUDA=1 (needs nvcc and takes much longer).
MMCV_VARIANT="$([ "${SASE_MM_MMCV_CUDA:-0}" = 1 ] && echo cuda || echo cpu)"
WHEELS="$CACHE/wheels/mmcv-$MMCV_VERSION-torch$TORCH_VERSION-py311-$MMCV_VARIANT"

log() { echo "[setup] $*"; }

# Everything that, when changed, requires the environment to be rebuilt.
fingerprint() {
  cat "$ROOT/tools/setup_env.sh" "$ROOT/setup.py" "$ROOT/setup.cfg" 2>/dev/null | sha256sum | cut -d' ' -f1
}

install_fashion_mnist() {
  if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    return
  fi
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    log "installing Debian package dataset-fashion-mnist"
    apt-get update -qq || log "apt-get update failed; trying the install with the current lists"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null \
      || log "could not install dataset-fashion-mnist; the classification and detection demos need it"
  else
    log "apt-get unavailable or not root: install the Debian package dataset-fashion-mnist" \
      "for the classification and detection demos"
  fi
}

build_mmcv_wheel() {
  if ls "$WHEELS"/mmcv-"$MMCV_VERSION"-*.whl >/dev/null 2>&1; then
    return
  fi
  log "building mmcv $MMCV_VERSION with CPU ops from its sdist (about 8 minutes on 2 cores)"
  local work
  work="$(mktemp -d)"
  # shellcheck disable=SC2064  # expand $work now, the trap runs after it goes out of scope
  trap "rm -rf '$work'" EXIT
  "$VENV/bin/pip" download -q --no-deps --no-build-isolation --no-binary=:all: "mmcv==$MMCV_VERSION" -d "$work"
  tar -xzf "$work"/mmcv-"$MMCV_VERSION".tar.gz -C "$work"
  # torch 2.14's headers need C++20, but mmcv 2.1.0 hard-codes -std=c++17.
  sed -i 's/-std=c++17/-std=c++20/g' "$work/mmcv-$MMCV_VERSION/setup.py"
  mkdir -p "$WHEELS"
  local force_cuda=0
  [ "$MMCV_VARIANT" = cuda ] && force_cuda=1
  (cd "$work/mmcv-$MMCV_VERSION" && MMCV_WITH_OPS=1 FORCE_CUDA="$force_cuda" MAX_JOBS="$(nproc)" \
    "$VENV/bin/pip" wheel -q --no-deps --no-build-isolation . -w "$work/dist")
  # Move into the cache under a temporary name first so a killed build never
  # leaves a half-written wheel where the next run would trust it.
  local built
  built="$(ls "$work"/dist/mmcv-*.whl)"
  cp "$built" "$WHEELS/.partial-$(basename "$built")"
  mv "$WHEELS/.partial-$(basename "$built")" "$WHEELS/$(basename "$built")"
  rm -rf "$work"
  trap - EXIT
}

main() {
  if ! command -v "$PYTHON_BIN" >/dev/null 2>&1; then
    echo "[setup] $PYTHON_BIN not found: install Python 3.11 with its venv module, or point" \
      "SASE_MM_PYTHON at a Python 3.11 interpreter." >&2
    exit 1
  fi
  mkdir -p "$CACHE"
  # One set-up at a time: two would race on the venv and the mmcv build.
  exec 9>"$CACHE/setup.lock"
  flock 9

  install_fashion_mnist

  if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(fingerprint)" ]; then
    log "environment at $VENV is up to date"
    return
  fi

  if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtual environment $VENV"
    "$PYTHON_BIN" -m venv "$VENV"
  fi
  "$VENV/bin/pip" install -q --upgrade "pip>=24" wheel "setuptools<80"

  log "installing torch $TORCH_VERSION and torchvision $TORCHVISION_VERSION"
  "$VENV/bin/pip" install -q "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"

  # mmcv's build imports torch and its setup needs these at build time.
  "$VENV/bin/pip" install -q ninja "packaging" "addict" "mmengine==0.10.7" "numpy" "pyyaml" "yapf" "opencv-python-headless"
  build_mmcv_wheel
  "$VENV/bin/pip" install -q --no-deps "$WHEELS"/mmcv-"$MMCV_VERSION"-*.whl
  "$VENV/bin/python" -c "import mmcv.ops" \
    || { echo "[setup] mmcv's compiled ops do not import; delete $WHEELS and run again" >&2; exit 1; }

  log "installing sase_mm and its pinned dependencies"
  "$VENV/bin/pip" install -q -e "$ROOT[openmmlab,gan,dev]"

  fingerprint > "$STAMP.partial"
  mv "$STAMP.partial" "$STAMP"
  log "done: activate with 'source .venv/bin/activate'"
}

main "$@"
