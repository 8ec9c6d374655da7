#!/usr/bin/env bash
# Seed variance of the obstacle classifier with and without a writing batch, on one GPU.
#   here:   python bench/prepare_gpu.py                         (fp16 copy of the base into .gpu/)
#   there:  bash bench/gpu_obstacles_seeds.sh OUT_DIR BATCH_PREFIX SEEDS...  (carry .gpu)
# Trains the shipped settings (lr 1e-3, rank 16, 6 epochs, best epoch on dev) once per seed on the
# full corpus and once per seed without the train passages whose id starts with BATCH_PREFIX
# (dev and test stay the same), and keeps each adapter, so that they can be scored here against the pinned base.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$1"; prefix="$2"; shift 2
mkdir -p "$out"
export PYTHONPATH="$PWD" PYTHONUNBUFFERED=1 TQDM_DISABLE=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/device.txt"
python3 - "$prefix" "$out/without.jsonl" <<'PY'
import json, sys
rows = [l for l in open("corpus/obstacles/passages.jsonl")
        if not (json.loads(l)["id"].startswith(sys.argv[1]) and json.loads(l)["split"] == "train")]
open(sys.argv[2], "w").writelines(rows)
print(len(rows), "passages without the training passages of", sys.argv[1])
PY
for seed in "$@"; do
  for variant in with without; do
    data=corpus/obstacles; [ "$variant" = without ] && data="$out/without.jsonl"
    start=$(date +%s)
    python3 -m pipeline.cli train obstacles --data "$data" --out "$out/$variant-$seed" --seed "$seed" \
      --lr 1e-3 --lora-r 16 --epochs 6 --device cuda --base .gpu/base 2>&1 | tr "\r" "\n" | grep -v "it/s\|s/it" | tail -2
    echo "$variant seed $seed: $(( $(date +%s) - start )) s"
  done
done
