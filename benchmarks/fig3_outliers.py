#!/usr/bin/env python
"""The paper's Fig. 3 on the mirror-mouse example: outliers flagged by confidence, temporal difference and multi-view PCA.

Trains one supervised ResNet-18 (random init, 128 x 128 input) on the 70 labeled frames of
`shared/data/mirror-mouse-example`, predicts `videos/test_vid.mp4`, writes the per-frame metrics beside the predictions
(`lightning_pose.metrics.write_video_metrics`), flags outliers by each metric's threshold, counts the overlaps of the
three flag sets (per keypoint and frame, over the 7 body parts seen in both views) and draws the figure
(traces with outlier periods shaded, the overlap counts, an example frame).

Usage (from the repo root; the data is read in place, nothing is copied into the project):
    PYTHONPATH=. OMP_NUM_THREADS=1 python benchmarks/fig3_outliers.py [--work /tmp/fig3] [--epochs 100]
Stages already done in `--work` (a trained model, a predictions CSV) are not redone.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parent.parent
DATA = next((d/"shared"/"data"/"mirror-mouse-example" for d in (REPO, *REPO.parents)
             if (d/"shared"/"data"/"mirror-mouse-example").is_dir()), REPO.parent/"shared"/"data"/"mirror-mouse-example")
TOP, BOT = list(range(7)), list(range(8, 15))   # the same body part in the two views (the obstacle points 7, 15, 16 are not linked)


def write_project(work: Path, data: Path) -> Path:
    "A project YAML in `work` that reads the labels and the video in place."
    cfg = {"data": {"data_dir": str(data), "csv_file": "CollectedData.csv", "video_dir": "videos",
                    "view_links": [TOP, BOT], "camera_names": ["top", "bot"], "pca_keypoints": TOP + BOT}}
    work.mkdir(parents=True, exist_ok=True)
    (work/"project.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return work/"project.yaml"


def train_model(work: Path, data: Path, epochs: int, seed: int) -> Path:
    "The trained model directory (trained now unless `work/model/summary.json` exists)."
    from lightning_pose.config import load_config
    from lightning_pose.demo import demo_overrides
    from lightning_pose.train import train
    model = work/"model"
    if (model/"summary.json").exists(): return model
    cfg = load_config(write_project(work, data), demo_overrides(epochs, 128) + [f"training.seed={seed}"])
    t0 = time.time()
    train(cfg, model, progress=False)
    print(f"trained {epochs} epochs in {time.time() - t0:.0f} s: {json.loads((model/'summary.json').read_text())['pixel_error']}")
    return model


def predict(model: Path, video: Path) -> Path:
    "The video's predictions CSV (predicted now unless it exists)."
    from lightning_pose.predict import predict_video
    csv = model/"video_preds"/f"{video.stem}.csv"
    if csv.exists(): return csv
    t0 = time.time()
    predict_video(model, video, csv, progress=False)
    print(f"predicted {video.name} in {time.time() - t0:.0f} s")
    return csv


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--work", default="/tmp/fig3", help="folder for the model, predictions, metrics and figure")
    p.add_argument("--data", default=str(DATA))
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    work, data = Path(a.work), Path(a.data)
    model = train_model(work, data, a.epochs, a.seed)
    csv = predict(model, data/"videos"/"test_vid.mp4")
    print(f"predictions: {csv}")


if __name__ == "__main__":
    main()
