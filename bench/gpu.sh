#!/usr/bin/env bash
# The inference ladder on one GPU, from a bare checkout, installing nothing.
#   here:   python bench/prepare_gpu.py            (fp16 copy of the base into .gpu/, 44 MB)
#   there:  bash bench/gpu.sh OUT_DIR              (carry .gpu; writes gpu.json and gpu.md)
# The image's own python3 with torch, transformers and peft is used; V6 (argmine batch end to
# end) needs spaCy and is skipped where it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-${OUT:-bench-out}}"
mkdir -p "$out"
export PYTHONPATH="$PWD" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu-device.txt"
python3 -c "import torch, transformers, peft; print('torch', torch.__version__, 'transformers', transformers.__version__, 'peft', peft.__version__)" | tee -a "$out/gpu-device.txt"
timeout 280 python3 bench/throughput.py --device cuda --base .gpu/base --json --markdown "$out/gpu.md" > "$out/gpu.json"
cat "$out/gpu.md"
