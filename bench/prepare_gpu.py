"""Make `.gpu/base/`: the pinned base encoder with its weights stored in fp16, for the GPU machine.

The device tool carries at most 64 MiB with the working tree, and the base's fp32 weights are
87 MB. Stored in fp16 they are 44 MB; the GPU benchmark loads them and computes in fp32 (its
reference) or bf16. The digest check of the pinned package does not apply to this copy, which is
why `bench/throughput.py` takes it through `--base`.

    python bench/prepare_gpu.py
"""

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from safetensors.torch import load_file, save_file  # noqa: E402

from pipeline.classify import base_model_path, torch  # noqa: E402

out = ROOT / ".gpu" / "base"
out.mkdir(parents=True, exist_ok=True)
src = base_model_path()
weights = load_file(str(src / "model.safetensors"))
save_file({k: v.to(torch.float16).contiguous() for k, v in weights.items()}, str(out / "model.safetensors"), metadata={"format": "pt"})
for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
    shutil.copy(src / name, out / name)
print(f"wrote {out} ({sum(p.stat().st_size for p in out.iterdir()) / 1e6:.1f} MB)")
