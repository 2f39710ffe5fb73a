#!/usr/bin/env bash
# The GPU figures in one run, within a time budget (a lent GPU machine has minutes, not hours): the diffusion
# UNet per step in fp32 and fp16 and the animation loop per frame, on every provider that opens a session there
# (CUDA, WebGPU, CPU), then the same SD 1.5 UNet in PyTorch where PyTorch and diffusers are installed.
#
#   npm run bench:gpu:build            (here: dist/bench/diffusion.mjs, animate.mjs, provider-probe.mjs)
#   bash bench/gpu.sh                  (there, from the project folder; sources .devkit/setup.sh when present)
#
# BENCH_BUDGET_S (default 540) bounds the whole run; each step gets what is left. BENCH_DIST, BENCH_DIFFUSION_ARGS,
# BENCH_ANIMATE_ARGS and BENCH_TORCH_ARGS change where the bundles are and what each step runs.
set -u
budget=${BENCH_BUDGET_S:-540}
dist=${BENCH_DIST:-dist/bench}
diffusion_args=${BENCH_DIFFUSION_ARGS:---provider all --steps 5}
animate_args=${BENCH_ANIMATE_ARGS:---provider all --frames 8}
torch_args=${BENCH_TORCH_ARGS:---size 512 --steps 5}
started=$(date +%s)
[ -f .devkit/setup.sh ] && source .devkit/setup.sh

# Runs "$@" for at most $1 seconds, and never past the budget.
step() {
  local limit=$1
  shift
  local left=$((budget - ($(date +%s) - started)))
  if ((left < 15)); then
    echo "== skipped, the budget is spent: $*"
    return
  fi
  ((limit > left)) && limit=$left
  echo "== $* (at most ${limit} s)"
  timeout "$limit" "$@"
  local status=$?
  ((status == 124)) && echo "(stopped after ${limit} s)"
  ((status != 0 && status != 124)) && echo "(exit ${status})"
  return 0
}

echo "bench/gpu — $(uname -srm), $(nproc) cores, budget ${budget} s"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
for bundle in diffusion animate; do
  if [ ! -f "$dist/$bundle.mjs" ]; then
    echo "$dist/$bundle.mjs is missing: run npm run bench:gpu:build where npm works, and bring dist/bench with you"
    exit 2
  fi
done
# shellcheck disable=SC2086 # the argument lists are word lists on purpose
step 220 node "$dist/diffusion.mjs" $diffusion_args
# shellcheck disable=SC2086
step 160 node "$dist/diffusion.mjs" $diffusion_args --fp16
# shellcheck disable=SC2086
step 120 node "$dist/animate.mjs" $animate_args
if python3 -c 'import torch, diffusers' 2>/dev/null; then
  # shellcheck disable=SC2086
  step 90 python3 bench/torch_unet.py $torch_args
  # shellcheck disable=SC2086
  step 60 python3 bench/torch_unet.py $torch_args --fp16
else
  echo "== PyTorch with diffusers is not on this machine: the PyTorch comparison is skipped (pip install torch diffusers)"
fi
echo "bench/gpu done in $(($(date +%s) - started)) s"
