#!/usr/bin/env python
"""Video prediction speed against the CPU's limit: end-to-end frames/s next to the network's forward-only rate.

For each input size (default 128 and 256 px) a ResNet-18 heat-map model is trained briefly on the mirror-mouse
example (random init, `--epochs` epochs, so that its heat maps are peaked as a trained model's are) and exported to
ONNX. Then, in this one process and alternating so that machine load hits both alike, `--repeat` times:
- forward-only: the network alone on already decoded, resized, normalised frames (batches of `--batch`,
  channels-last for torch), images/s: the limit prediction cannot beat;
- end to end: `predict_video` on the whole `videos/test_vid.mp4` (decode, resize, network, heat-map decoding, CSV
  writing; model loading excluded), frames/s;
for the torch and the ONNX (onnxruntime) runtime. The median of the repeats is reported, and end to end as a
fraction of forward-only of the same runtime. With `--ref`, the reference package (lightning-pose 2.4.3 in its own
virtualenv) is trained for one epoch at each size and predicts the same video with its CPU reader (opencv), timed
around `predict_on_video_file` only (see benchmarks/train_predict.py for how it is run).

Usage (from the repo root; 2 cores, nothing else running):
    PYTHONPATH=. OMP_NUM_THREADS=2 python benchmarks/predict_speed.py [--sizes 128,256] [--ref]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_predict as tp  # noqa: E402  (the reference runner and shared helpers)


def train_ours(data: Path, size: int, epochs: int, work: Path) -> Path:
    "A briefly trained ResNet-18 model directory at `size` px, with its model.onnx."
    from lightning_pose.config import load_config
    from lightning_pose.export import export_onnx
    from lightning_pose.train import train
    spec = dict(data=str(data), size=size, work=str(work), epochs=epochs, batch=8, seed=0, workers=0, check_val=epochs,
                augment="none")
    cfg = load_config(tp.ours_yaml(spec), overrides=tp.ours_overrides(spec) + ["training.min_steps_per_epoch=1"])
    md = train(cfg, work/f"ours_{size}", progress=False)
    export_onnx(md)
    return md


def forward_rate(model, frames, batch: int, min_s: float=4.) -> float:
    "Images/s of the network alone on preprocessed frames (N, 3, h, w), for at least `min_s` seconds."
    import torch
    chunks = [f.contiguous(memory_format=torch.channels_last) for f in frames.split(batch) if len(f) == batch]
    with torch.inference_mode():
        model(chunks[0])
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < min_s:
            for c in chunks: model(c); n += len(c)
    return n / (time.perf_counter() - t0)


def end_to_end_rate(model, video: Path, out_csv: Path, batch: int) -> float:
    "Frames/s of `predict_video` on the whole video (CSV written)."
    from lightning_pose.predict import predict_video
    from lightning_pose.videoio import video_info
    t0 = time.perf_counter()
    predict_video(model, video, out_csv, batch_size=batch, backend="cpu", overwrite=True, progress=False)
    return video_info(video).n_frames / (time.perf_counter() - t0)


def measure_ours(md: Path, video: Path, batch: int, repeat: int, work: Path) -> dict:
    "Median forward-only and end-to-end rates of both runtimes for one model directory."
    import torch
    from lightning_pose.export import OnnxPoseModel
    from lightning_pose.predict import load_model
    from lightning_pose.video import prediction_frames
    from lightning_pose.videoio import read_frames
    tm, om = load_model(md, "cpu"), OnnxPoseModel(md)
    frames = prediction_frames(read_frames(video, 0, 8 * batch), tm.image_hw)
    runs = {k: [] for k in ("torch_fwd", "torch_e2e", "onnx_fwd", "onnx_e2e")}
    for _ in range(repeat):
        runs["torch_fwd"].append(forward_rate(tm, frames, batch))
        runs["torch_e2e"].append(end_to_end_rate(tm, video, work/"torch.csv", batch))
        runs["onnx_fwd"].append(forward_rate(om, frames, batch))
        runs["onnx_e2e"].append(end_to_end_rate(om, video, work/"onnx.csv", batch))
    out = {k: statistics.median(v) for k, v in runs.items()}
    out["runs"] = runs
    import pandas as pd
    a, b = (pd.read_csv(work/f, header=[0, 1, 2], index_col=0).to_numpy(float) for f in ("torch.csv", "onnx.csv"))
    out["onnx_vs_torch_max_abs"] = float(abs(a - b).max())
    return out


def measure_ref(data: Path, size: int, threads: int, ref_python: str, work: Path) -> dict:
    "The reference's video prediction frames/s (one-epoch model), or an `error`."
    spec = dict(data=str(data), epochs=1, threads=threads, workers=0, batch=8, size=size, check_val=1, seed=0,
                augment="none", work=str(work))
    tr, _ = tp.run_child(ref_python, "ref", "train", spec, work, work/"ref_train.log")
    if "error" in tr: return {"error": tr["error"]}
    pr, _ = tp.run_child(ref_python, "ref", "predict", dict(spec, model_dir=tr["model_dir"]), work, work/"ref_predict.log")
    return pr


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=tp.DEFAULT_DATA)
    ap.add_argument("--sizes", default="128,256")
    ap.add_argument("--epochs", type=int, default=20, help="training epochs of our model (heat maps must be peaked)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--ref", action="store_true", help="also run the reference package")
    ap.add_argument("--ref-python", default=tp.DEFAULT_REF_PYTHON)
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--model", action="append", default=[], metavar="SIZE=DIR",
                    help="use this trained model directory for SIZE instead of training one (e.g. train_predict.py's ours_model)")
    a = ap.parse_args(argv)
    import torch
    torch.set_num_threads(a.threads)
    import logging, warnings
    for n in ("lightning.pytorch", "lightning.fabric"): logging.getLogger(n).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    work = (a.work or Path(tempfile.mkdtemp(prefix="lp_pred_"))).resolve()
    video = a.data/"videos"/"test_vid.mp4"
    load0, res = os.getloadavg(), {}
    for size in [int(s) for s in a.sizes.split(",")]:
        w = work/f"s{size}"; w.mkdir(parents=True, exist_ok=True)
        given = dict(m.split("=", 1) for m in a.model)
        if str(size) in given:
            from lightning_pose.export import export_onnx
            md = Path(given[str(size)])
            if not (md/"model.onnx").exists(): export_onnx(md)
        else:
            print(f"[{time.strftime('%H:%M:%S')}] {size} px: training our model ({a.epochs} epochs) ...", flush=True)
            md = train_ours(a.data, size, a.epochs, w)
        print(f"[{time.strftime('%H:%M:%S')}] {size} px: measuring ({a.repeat} rounds) ...", flush=True)
        r = measure_ours(md, video, a.batch, a.repeat, w)
        if a.ref:
            print(f"[{time.strftime('%H:%M:%S')}] {size} px: reference ...", flush=True)
            r["ref"] = measure_ref(a.data, size, a.threads, a.ref_python, w)
        res[size] = r
    load1 = os.getloadavg()
    (work/"results.json").write_text(json.dumps(res, indent=1, default=str))
    print_table(a, argv, res, load0, load1, work)
    return res


def print_table(a, argv, res, load0, load1, work):
    print()
    print("command : PYTHONPATH=. python benchmarks/predict_speed.py " + " ".join(argv if argv is not None else sys.argv[1:]))
    print(f"machine : {tp.machine()}, torch threads {a.threads}, onnxruntime intra-op threads {a.threads}")
    print(f"load    : 1-min load average {load0[0]:.2f} before, {load1[0]:.2f} after")
    print(f"video   : {a.data/'videos'/'test_vid.mp4'} (ResNet-18, batch {a.batch}, median of {a.repeat} rounds; outputs in {work})")
    hdr = f"{'size':>5} {'runtime':<8}{'forward img/s':>14}{'end-to-end fr/s':>17}{'e2e/forward':>13}{'ref fr/s':>10}{'ours/ref':>10}"
    print(hdr); print("-" * len(hdr))
    for size, r in res.items():
        ref = r.get("ref", {})
        rf = ref.get("fps") if isinstance(ref, dict) else None
        for rt in ("torch", "onnx"):
            f, e = r[f"{rt}_fwd"], r[f"{rt}_e2e"]
            print(f"{size:>5} {rt:<8}{f:>14.1f}{e:>17.1f}{e / f:>12.0%} {tp.fmt(rf, '{:.1f}'):>9}{tp.fmt(e / rf if rf else None, '{:.2f}x'):>10}")
        if "error" in ref: print(f"      reference failed: {ref['error']}")
        print(f"      onnx vs torch predictions: max |difference| {r['onnx_vs_torch_max_abs']:.1e} (px and likelihood)")


if __name__ == "__main__":
    main()
