"""Labeled-frame loading speed: PNG decoding + resizing vs the in-memory cache, with and without augmentation.

Usage: python benchmarks/data_loading.py [DATA_ROOT]   (default: ../shared/data relative to the repo root)
Reads DATA_ROOT/mirror-mouse-example (70 frames of 406x396, resized to 256x256) and prints ms per item
for four epochs in one process (one torch thread, like one data-loader worker).
"""
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch
import yaml

from lightning_pose.config import load_config
from lightning_pose.data import LabeledFrames

def main(root: Path):
    torch.set_num_threads(1)
    data = root/"mirror-mouse-example"
    with tempfile.TemporaryDirectory() as d:
        cfg_path = Path(d)/"project.yaml"
        cfg_path.write_text(yaml.safe_dump({"data": {"data_dir": str(data), "csv_file": "CollectedData.csv",
                                                     "image_resize_height": 256, "image_resize_width": 256}}))
        cfg = load_config(cfg_path)
        print(f"# {' '.join(sys.argv)}  | {platform.processor() or platform.machine()}, torch {torch.__version__}, 1 thread")
        print(f"# {data}: 70 frames 406x396 -> 256x256")
        print(f"{'context J':>9} {'augment':>7} {'cache':>5} | ms/item: epoch 1, 2, 3, 4")
        for J in (0, 2):
            for aug in (False, True):
                for cache in (False, True):
                    ds = LabeledFrames(cfg, augment=aug, context_frames=J, cache=cache)
                    ts = []
                    for _ in range(4):
                        t0 = time.perf_counter()
                        for i in range(len(ds)): ds[i]
                        ts.append((time.perf_counter() - t0) / len(ds) * 1e3)
                    print(f"{J:>9} {str(aug):>7} {str(cache):>5} | " + ", ".join(f"{t:6.1f}" for t in ts))

if __name__ == "__main__":
    default = Path(__file__).resolve().parents[1].parent/"shared"/"data"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
