#!/usr/bin/env bash
# The GPU path in one run of at most 8 minutes on a CUDA machine: install, the `cuda`-flagged notebook cells, DALI
# GPU decoding, a supervised and a semi-supervised training epoch, video prediction speed for ResNet-18 and
# ResNet-50 at 256 x 256, peak GPU memory; prints one table. Without a CUDA GPU it stops at once (exit status 2).
#
#   bash benchmarks/gpu.sh --dry-run           # the plan, on any machine
#   bash benchmarks/gpu.sh                     # on a CUDA machine with internet
#   bash benchmarks/gpu.sh --wheels .whl       # offline: install from a folder of wheels
#   bash benchmarks/gpu.sh --skip-install      # the package and its requirements are installed already
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg
exec timeout 500 "${PYTHON:-python3}" benchmarks/gpu.py "$@"
