#!/usr/bin/env bash
# The component model's dev-only search (learning rate x rank) on one GPU, installing nothing.
#   here:   python bench/prepare_gpu.py                 (fp16 copy of the base into .gpu/, 44 MB)
#   there:  bash bench/gpu_search_components.sh OUT_DIR [OPTIONS]  (carry .gpu; writes search.json and the log)
# The chosen setting is then trained on the CPU with the pinned base: the shipped adapter never
# depends on the fp16 copy used here.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-${OUT:-search-out}}"
shift || true
mkdir -p "$out"
export PYTHONPATH="$PWD" PYTHONUNBUFFERED=1 TQDM_DISABLE=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/device.txt"
python3 -c "import torch, transformers, peft; print('torch', torch.__version__, 'transformers', transformers.__version__, 'peft', peft.__version__)" | tee -a "$out/device.txt"
time python3 -m pipeline.cli train components --search --epochs 10 --device cuda --base .gpu/base --out "$out/components" "$@" 2>&1 | tr "\r" "\n" | grep -v "step" | tee "$out/train.log"
cp "$out/components/search.json" "$out/search.json"
python3 - "$out/search.json" <<'PY'
import json, sys
for t in json.load(open(sys.argv[1]))["trials"]:
    c = t["config"]
    print(f"lr={c['lr']:g} r={c['lora_r']} ctx={c.get('context_chars')} best_epoch={t['best_epoch']} dev_macro_f1={t['dev_macro_f1']:.4f}", [h["dev_macro_f1"] for h in t["history"]])
PY
