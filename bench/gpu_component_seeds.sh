#!/usr/bin/env bash
# Seed variance of the component model with and without the newest training essays, on one GPU.
#   here:   python bench/prepare_gpu.py                                   (fp16 copy of the base into .gpu/)
#   there:  bash bench/gpu_component_seeds.sh OUT_DIR FIRST_NEW JOBS RUN...  (carry .gpu)
#           with PACK=$OUT and OUT_DIR outside $OUT: each finished run becomes one $OUT/VARIANT-SEED.tar (the device
#           tool returns at most eight files, so eight runs per call; logs stay behind)
# RUN is VARIANT:SEED, VARIANT `with` (the whole corpus) or `without` (no train essay numbered
# FIRST_NEW or above; dev and test are the same). Each run trains the shipped recipe (lr 1e-3, rank 8,
# 400 characters of context, 288 tokens, [CLS] head, 10 epochs, best epoch on dev) and keeps its
# adapter, so that every run is scored here against the pinned fp32 base. JOBS runs share the GPU
# at once (the model is small: one run alone leaves the GPU mostly idle).
set -euo pipefail
cd "$(dirname "$0")/.."
out="$1"; first_new="$2"; jobs="$3"; shift 3
mkdir -p "$out/without/gold"
export PYTHONPATH="$PWD" PYTHONUNBUFFERED=1 TQDM_DISABLE=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1
export OMP_NUM_THREADS=2 MKL_NUM_THREADS=2
py="${PYTHON:-python3}"; export py
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/device.txt"
"$py" -c "import torch, transformers, peft; print('torch', torch.__version__, 'transformers', transformers.__version__, 'peft', peft.__version__)" | tee -a "$out/device.txt"
"$py" - "$first_new" "$out/without" <<'PY'
import json, re, shutil, sys
from pathlib import Path
first, dest = int(sys.argv[1]), Path(sys.argv[2])
held = {i for k, ids in json.loads(Path("corpus/essays/splits.json").read_text()).items() if not k.startswith("_") for i in ids}
shutil.copy("corpus/essays/splits.json", dest / "splits.json")
kept = dropped = 0
for p in sorted(Path("corpus/essays/gold").glob("*.json")):
    m = re.match(r"e(\d+)-", p.stem)
    if m and int(m.group(1)) >= first and p.stem not in held:
        dropped += 1
        continue
    shutil.copy(p, dest / "gold" / p.name)
    kept += 1
print(f"without: {kept} documents, {dropped} train essays numbered {first} or above left out")
PY
one() {
  variant="${1%%:*}"; seed="${1##*:}"
  data=corpus/essays; [ "$variant" = without ] && data="$out/without"
  start=$(date +%s)
  "$py" -m pipeline.cli train components --data "$data" --out "$out/$variant-$seed" --seed "$seed" \
    --lr 1e-3 --lora-r 8 --context-chars 400 --max-length 288 --epochs "${EPOCHS:-10}" --pooling cls --no-probe-init \
    --device "${DEVICE:-cuda}" --base .gpu/base > "$out/$variant-$seed.log" 2>&1 || echo "$1 failed" >> "$out/$variant-$seed.log"
  echo "$1: $(tail -1 "$out/$variant-$seed.log" | tr '\r' '\n' | tail -1) ($(( $(date +%s) - start )) s)"
  if [ -n "${PACK:-}" ]; then tar cf "$PACK/$variant-$seed.tar" -C "$out" "$variant-$seed"; fi  # one file per run: the device tool returns at most 8
}
export -f one; export out PACK
printf '%s\n' "$@" | xargs -P "$jobs" -I{} bash -c 'one {}'
rm -rf "$out/without"
