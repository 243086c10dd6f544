#!/usr/bin/env python
"""Training / prediction benchmark: lightning_pose side by side with the reference `lightning-pose` 2.4.3.

Same settings on both sides: ResNet-18 from random init, 128 x 128 input, batch 8, E epochs (min = max, no early
stopping), supervised heat-map model (no unsupervised losses), 80/10/10 train/val/test split with seed 0, CPU,
the same torch thread count and dataloader workers. Each side trains in its own subprocess and predicts in another,
so peak resident memory (`wait4` rusage of that child) is per side and per stage. Ours keeps freed memory for reuse
(`lightning_pose.cli.keep_freed_memory`), as the `litpose` command does; the reference runs as it ships.

Figures:
- steps/ep, s/step, img/s: training throughput at equal work. Both sides run the same number of optimiser steps per
  epoch (ours with `training.min_steps_per_epoch=1`: ceil(56 / 8) = 7 batches, as the reference), so s/step is the
  wall time of the training loops of epochs 2..E (each from the epoch's start to the end of its last step, so data
  loading is in; validation passes, checkpoint writes and end-of-fit work are per epoch or per fit and are left
  out, on both sides) over the steps taken, and img/s = batch / (s/step).
- CPU s/step: the same, in CPU seconds of the training process (all threads; `time.process_time`), which a busy
  machine inflates much less than wall time.
- s/epoch: wall time from the start of epoch 2 to the end of fit, divided by E - 1 (a Lightning callback injected
  into `Trainer`; it includes the validation passes, which run every `--check-val` epochs on both sides). If a side
  does not train with a Lightning `Trainer`, its whole `train()` wall time / E is used instead (marked `*`).
- frames/s: frames in the output CSV / wall time of one video-prediction call on `videos/test_vid.mp4`
  (model loading, decoding, inference and CSV writing included; Python imports excluded).
- peak RSS: `ru_maxrss` of the train and of the predict subprocess.
- test px error: mean over test-split frames and visible keypoints of the Euclidean distance between prediction and
  label in original pixels; recomputed here from each side's outputs, the same way for both.

How the reference is run: `lightning_pose.train.train(OmegaConf.create(cfg), model_dir)` (its Python API, so that
the epoch timer can be injected) with the config written to `<work>/ref_config.yaml`: resnet18,
backbone_pretrained false, model_type heatmap, losses_to_use [], imgaug default (resize only) or dlc, batch 8,
train_prob 0.8, val_prob 0.1, rng seeds 0, unfreezing_epoch 0, min = max epochs = E, num_workers as ours;
video prediction with `Model.predict_on_video_file(..., reader="opencv")`, its CPU reader (DALI needs a GPU).
Caveats: the two splits may hold different test frames (both lists are printed); the reference predicts with its
best-validation checkpoint and warms the backbone lr up from 0.1x even with unfreezing_epoch 0; our pixel error is
read from our `labeled_metrics.csv`, the reference's is recomputed from its `predictions.csv`. Machine load changes
the figures a lot (2 torch threads on 2 busy cores): compare ratios from one invocation, on a quiet machine.

Usage (from the repo root):
    PYTHONPATH=. python benchmarks/train_predict.py [--epochs 20] [--sides ref,ours] [--augment none|default]
On a shared machine, compare training throughput with interleaved rounds (no video prediction; medians and each
round's ratio, with the load at the start of each round):
    PYTHONPATH=. python benchmarks/train_predict.py --epochs 3 --check-val 3 --rounds 3 [--sides ref,ours,ours-bf16]
(side `ours-bf16`: ours with `training.precision=bf16-mixed`, for CPUs with native bf16 such as AVX512-BF16 or AMX;
side `ours-cl`: ours with channels-last convolutions throughout, without the per-stage memory formats.)
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = next((d for d in (p/"shared"/"data"/"mirror-mouse-example" for p in REPO.parents) if d.is_dir()),
                    REPO.parent/"shared"/"data"/"mirror-mouse-example")   # the shared folder above the checkout
DEFAULT_REF_PYTHON = "/work/venvs/ref/bin/python"
VIEW_LINKS = [[0, 1, 2, 3, 4, 5, 6], [8, 9, 10, 11, 12, 13, 14]]

# ---------------------------------------------------------------------------------------------------------------
# Helpers shared by the orchestrator and the workers (plain numpy/pandas, importable in both virtualenvs)
# ---------------------------------------------------------------------------------------------------------------

def read_labels(csv_path):
    "Labels CSV (three header rows) -> (image paths, keypoint names, array (n_frames, n_keypoints, 2))."
    import numpy as np, pandas as pd
    df = pd.read_csv(csv_path, header=[0, 1, 2], index_col=0)
    names = list(dict.fromkeys(df.columns.get_level_values(1)))
    xy = np.stack([np.stack([df.xs((n, c), axis=1, level=(1, 2)).iloc[:, 0].to_numpy(float) for c in ("x", "y")], -1)
                   for n in names], 1)
    return [str(i) for i in df.index], names, xy

def set_threads(n):
    import torch
    torch.set_num_threads(n)
    return torch

class EpochTimer:
    "Mixed into a Lightning Callback at runtime: epoch starts, fit end, training steps and validation time per epoch."
    def __init__(self):
        self.starts, self.end, self.steps, self.val_s, self._v, self.cpu, self.val_cpu = [], None, [], [], None, [], []
        self.loop_end, self.loop_cpu = [], []   # the end of each epoch's last training step (wall, CPU)
    def on_train_epoch_start(self, trainer, pl_module):
        self.starts.append(time.perf_counter()); self.steps.append(0); self.val_s.append(0.)
        self.cpu.append(time.process_time()); self.val_cpu.append(0.)
        self.loop_end.append(None); self.loop_cpu.append(None)
    def on_train_batch_end(self, trainer, pl_module, *args):
        if self.steps:
            self.steps[-1] += 1; self.loop_end[-1], self.loop_cpu[-1] = time.perf_counter(), time.process_time()
    def on_validation_start(self, trainer, pl_module): self._v = (time.perf_counter(), time.process_time())
    def on_validation_end(self, trainer, pl_module):
        if self._v is not None and self.val_s:
            self.val_s[-1] += time.perf_counter() - self._v[0]; self.val_cpu[-1] += time.process_time() - self._v[1]
    def on_fit_end(self, trainer, pl_module): self.end, self.end_cpu = time.perf_counter(), time.process_time()

def install_epoch_timer():
    "Wrap `lightning.pytorch.Trainer` so that every Trainer built from now on carries an `EpochTimer`."
    import lightning.pytorch as pl
    cb_cls = type("EpochTimerCallback", (EpochTimer, pl.Callback), {})
    timers = []
    orig = pl.Trainer
    class TimedTrainer(orig):
        def __init__(self, *a, **kw):
            t = cb_cls(); EpochTimer.__init__(t); timers.append(t)
            cbs = kw.get("callbacks") or []
            kw["callbacks"] = (list(cbs) if isinstance(cbs, (list, tuple)) else [cbs]) + [t]
            super().__init__(*a, **kw)
    pl.Trainer = TimedTrainer
    try:
        import lightning
        lightning.Trainer = TimedTrainer
    except Exception: pass
    return timers

def epoch_stats(timers):
    "Seconds per epoch excluding the first epoch, from the timer that saw the most epochs (None if no epochs)."
    ts = [t for t in timers if t.starts]
    if not ts: return None
    t = max(ts, key=lambda t: len(t.starts))
    n = len(t.starts)
    if t.end is None: return None
    k = 1 if n >= 2 else 0
    wall, steps, val = t.end - t.starts[k], sum(t.steps[k:]), sum(t.val_s[k:])
    ep = [i for i in range(k, n) if t.loop_end[i] is not None]
    # training loops only, from each epoch's start to the end of its last step (data loading included; validation,
    # checkpoint writes and end-of-fit work left out, as they are per epoch or per fit, not per step)
    step_s = sum(t.loop_end[i] - t.starts[i] for i in ep) / steps if steps else None
    cpu = sum(t.loop_cpu[i] - t.cpu[i] for i in ep)   # CPU seconds of the process (all threads): less load-sensitive
    rest = wall - val - sum(t.loop_end[i] - t.starts[i] for i in ep)
    return dict(s_per_epoch=wall / (n - k), epochs_timed=n - k, first_epoch_s=t.starts[1] - t.starts[0] if k else None,
                steps_per_epoch=steps / (n - k), s_per_step=step_s, val_s=val, cpu_s_per_step=cpu / steps if steps else None,
                other_s=rest)

def pixel_error_table(labels_csv, preds_xy, images):
    "Per-frame, per-keypoint Euclidean error (n_frames, n_keypoints) for `images`, NaN where the label is missing."
    import numpy as np
    lab_imgs, _, lab = read_labels(labels_csv)
    idx = {p: i for i, p in enumerate(lab_imgs)}
    true = lab[[idx[p] for p in images]]
    return np.linalg.norm(true - preds_xy, axis=-1)

def nanmean(a):
    import numpy as np
    a = np.asarray(a, float)
    return float(np.nanmean(a)) if np.isfinite(a).any() else float("nan")

# ---------------------------------------------------------------------------------------------------------------
# Reference side (runs inside the reference virtualenv)
# ---------------------------------------------------------------------------------------------------------------

def milestones(E):
    "Both packages' default lr milestones [150, 200, 250], clipped to E (the reference requires them <= max_epochs)."
    return sorted({min(m, E) for m in (150, 200, 250)})

def ref_config(spec):
    "The reference's hydra config for these settings (a plain dict; saved as YAML next to the model)."
    _, names, _ = read_labels(Path(spec["data"])/"CollectedData.csv")
    from PIL import Image
    first = read_labels(Path(spec["data"])/"CollectedData.csv")[0][0]
    w, h = Image.open(Path(spec["data"])/first).size
    E = spec["epochs"]
    return {
        "data": {
            "image_orig_dims": {"height": h, "width": w},
            "image_resize_dims": {"height": spec["size"], "width": spec["size"]},
            "data_dir": str(spec["data"]), "video_dir": str(Path(spec["data"])/"videos"),
            "csv_file": "CollectedData.csv", "downsample_factor": 2,
            "num_keypoints": len(names), "keypoint_names": names,
            "mirrored_column_matches": VIEW_LINKS,
            "columns_for_singleview_pca": VIEW_LINKS[0] + VIEW_LINKS[1],
        },
        "training": {
            "imgaug": "dlc" if spec["augment"] == "default" else "default",
            "train_batch_size": spec["batch"], "val_batch_size": 32, "test_batch_size": 32,
            "train_prob": 0.8, "val_prob": 0.1, "train_frames": 1,
            "num_gpus": 0, "num_workers": spec["workers"],
            "early_stop_patience": 3, "unfreezing_epoch": 0,
            "min_epochs": E, "max_epochs": E,
            "ckpt_every_n_epochs": None, "log_every_n_steps": 10,
            "check_val_every_n_epoch": spec["check_val"],
            "gpu_id": 0, "rng_seed_data_pt": spec["seed"], "rng_seed_model_pt": spec["seed"],
            "lr_scheduler": "multisteplr",
            "lr_scheduler_params": {"multisteplr": {"milestones": milestones(E), "gamma": 0.5}},
        },
        "model": {
            "losses_to_use": [], "backbone": "resnet18", "backbone_pretrained": False,
            "model_type": "heatmap", "heatmap_loss_type": "mse", "model_name": "bench", "checkpoint": None,
        },
        "dali": {"general": {"seed": 123456}, "base": {"train": {"sequence_length": 32}, "predict": {"sequence_length": 96}},
                 "context": {"train": {"batch_size": 16}, "predict": {"sequence_length": 96}}},
        "losses": {  # unused (losses_to_use is empty) but read by the reference's loss factory
            "pca_multiview": {"log_weight": 5.0, "components_to_keep": 3, "epsilon": None},
            "pca_singleview": {"log_weight": 5.0, "components_to_keep": 0.99, "epsilon": None},
            "temporal": {"log_weight": 5.0, "epsilon": 20.0, "prob_threshold": 0.05}},
        "eval": {"predict_vids_after_training": False, "save_vids_after_training": False,
                 "test_videos_directory": None, "confidence_thresh_for_vid": 0.9},
        "callbacks": {"anneal_weight": {"attr_name": "total_unsupervised_importance", "init_val": 0.0,
                                        "increase_factor": 0.01, "final_val": 1.0, "freeze_until_epoch": 0}},
    }

def ref_train(spec, out):
    torch = set_threads(spec["threads"])
    import numpy as np, pandas as pd, yaml
    from omegaconf import OmegaConf
    import lightning_pose
    from lightning_pose.train import train
    timers = install_epoch_timer()
    cfg_dict = ref_config(spec)
    model_dir = Path(spec["work"])/"ref_model"
    model_dir.mkdir(parents=True, exist_ok=True)
    (Path(spec["work"])/"ref_config.yaml").write_text(yaml.safe_dump(cfg_dict, sort_keys=False))
    t0 = time.perf_counter()
    train(OmegaConf.create(cfg_dict), model_dir)
    wall = time.perf_counter() - t0
    # predictions on all labeled frames, with a `set` column (train/validation/test)
    df = pd.read_csv(model_dir/"predictions.csv", header=[0, 1, 2], index_col=0)
    set_col = [c for c in df.columns if c[0] == "set"][0]
    sets = df[set_col].astype(str).to_numpy()
    names = list(dict.fromkeys(c[1] for c in df.columns if c[2] in ("x", "y")))
    xy = np.stack([np.stack([df[(c0, n, k)].to_numpy(float) for k in ("x", "y")], -1)
                   for n in names for c0 in [next(c[0] for c in df.columns if c[1] == n)]], 1)
    imgs = [str(i) for i in df.index]
    err = pixel_error_table(Path(spec["data"])/"CollectedData.csv", xy, imgs)
    test = np.isin(sets, ["test"])
    own = model_dir/"predictions_pixel_error.csv"
    own_test = None
    if own.exists():
        pe = pd.read_csv(own, index_col=0)
        if "set" in pe.columns: own_test = nanmean(pe[pe["set"] == "test"].drop(columns="set").to_numpy(float))
    out.update(version=lightning_pose.version, torch=torch.__version__, train_wall_s=wall,
               model_dir=str(model_dir), test_px=nanmean(err[test]), test_frames=[imgs[i] for i in np.flatnonzero(test)],
               val_px=nanmean(err[np.isin(sets, ["validation", "val"])]), ref_own_test_px=own_test,
               timing=epoch_stats(timers), n_train=int(np.isin(sets, ["train"]).sum()))

def ref_predict(spec, out):
    torch = set_threads(spec["threads"])
    import pandas as pd
    from lightning_pose.api import Model
    video = Path(spec.get("video") or Path(spec["data"])/"videos"/"test_vid.mp4")
    model = Model.from_dir(spec.get("model_dir") or Path(spec["work"])/"ref_model")
    pred_dir = Path(spec.get("pred_dir") or Path(spec["work"])/"ref_video_preds")
    t0 = time.perf_counter()
    model.predict_on_video_file(video, output_dir=pred_dir, compute_metrics=False,
                                generate_labeled_video=False, reader="opencv")
    wall = time.perf_counter() - t0
    n = len(pd.read_csv(pred_dir/f"{video.stem}.csv", header=[0, 1, 2], index_col=0))
    out.update(predict_wall_s=wall, frames=n, fps=n/wall, reader="opencv",
               batch=model.cfg.dali.base.predict.sequence_length, torch=torch.__version__)

# ---------------------------------------------------------------------------------------------------------------
# Our side (runs with this repo on PYTHONPATH)
# ---------------------------------------------------------------------------------------------------------------

def ours_yaml(spec) -> Path:
    import yaml
    p = Path(spec["work"])/"ours_project.yaml"
    p.write_text(yaml.safe_dump({"data": {
        "data_dir": str(spec["data"]), "csv_file": "CollectedData.csv", "video_dir": "videos",
        "view_links": VIEW_LINKS, "camera_names": ["top", "bot"],
        "image_resize_height": spec["size"], "image_resize_width": spec["size"]},
        "model": {"backbone": "resnet18", "pretrained": False}}, sort_keys=False))
    return p

def ours_overrides(spec):
    E = spec["epochs"]
    return [f"training.batch_size={spec['batch']}", f"training.min_epochs={E}", f"training.max_epochs={E}",
            "training.train_frac=0.8", "training.val_frac=0.1", f"training.seed={spec['seed']}",
            "training.unfreeze_epoch=0", "training.accelerator=cpu", "training.min_steps_per_epoch=1", f"training.num_workers={spec['workers']}",
            f"training.check_val_every_n_epoch={spec['check_val']}", f"training.lr_milestones={milestones(E)}",
            f"training.augmentation.enabled={'true' if spec['augment'] == 'default' else 'false'}"]

def ours_available():
    "None if our train/predict API imports, else the reason."
    try:
        from lightning_pose.config import load_config  # noqa: F401
        from lightning_pose.train import train  # noqa: F401
        from lightning_pose.predict import predict_video  # noqa: F401
    except Exception as e: return f"{type(e).__name__}: {e}"
    return None

def ours_train(spec, out):
    torch = set_threads(spec["threads"])
    from lightning_pose.cli import keep_freed_memory; keep_freed_memory()   # as the litpose command does
    import numpy as np, pandas as pd
    import lightning_pose
    from lightning_pose.config import load_config
    from lightning_pose.train import train
    try: timers = install_epoch_timer()
    except ImportError: timers = []
    extra = ["training.precision=bf16-mixed"] if spec.get("side") == "ours-bf16" else []
    if spec.get("side") == "ours-cl":      # channels-last throughout, as before per-stage memory formats
        import lightning_pose.train as lt
        lt.set_memory_formats = lambda net, n_images=None, hw=None, f=lt.set_memory_formats: f(net)
    cfg = load_config(ours_yaml(spec), overrides=ours_overrides(spec) + extra)
    t0 = time.perf_counter()
    model_dir = train(cfg, Path(spec["work"])/"ours_model")
    wall = time.perf_counter() - t0
    m = pd.read_csv(Path(model_dir)/"labeled_metrics.csv", index_col=0)
    sets = m["set"].astype(str).to_numpy()
    err = m.drop(columns="set").to_numpy(float)
    test = sets == "test"
    timing = epoch_stats(timers) or dict(s_per_epoch=wall/spec["epochs"], epochs_timed=spec["epochs"],
                                         first_epoch_s=None, whole_train_call=True)
    out.update(version=getattr(lightning_pose, "__version__", "?"), torch=torch.__version__, train_wall_s=wall,
               model_dir=str(model_dir), test_px=nanmean(err[test]), test_frames=[str(i) for i in m.index[test]],
               val_px=nanmean(err[np.isin(sets, ["val", "validation"])]), timing=timing,
               n_train=int((sets == "train").sum()))

def ours_predict(spec, out):
    torch = set_threads(spec["threads"])
    from lightning_pose.cli import keep_freed_memory; keep_freed_memory()   # as the litpose command does
    import pandas as pd
    from lightning_pose.predict import predict_video
    video = Path(spec["data"])/"videos"/"test_vid.mp4"
    csv = Path(spec["work"])/"ours_video_preds"/f"{video.stem}.csv"
    csv.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    predict_video(spec["model_dir"], video, csv)
    wall = time.perf_counter() - t0
    try: n = len(pd.read_csv(csv, header=[0, 1, 2], index_col=0))
    except Exception: n = len(pd.read_csv(csv))
    out.update(predict_wall_s=wall, frames=n, fps=n/wall, torch=torch.__version__)

WORKERS = {("ref", "train"): ref_train, ("ref", "predict"): ref_predict,
           ("ours", "train"): ours_train, ("ours", "predict"): ours_predict,
           ("ours-bf16", "train"): ours_train, ("ours-cl", "train"): ours_train}   # rounds only: ours with bf16-mixed, ours channels-last throughout

def worker_main(side, stage, spec_path, out_path):
    spec = json.loads(Path(spec_path).read_text())
    out = {}
    try: WORKERS[side, stage](spec, out)
    except Exception as e:
        import traceback; traceback.print_exc()
        out["error"] = f"{type(e).__name__}: {e}".splitlines()[0]
    Path(out_path).write_text(json.dumps(out, indent=1, default=str))

# ---------------------------------------------------------------------------------------------------------------
# Orchestrator
# ---------------------------------------------------------------------------------------------------------------

def run_child(python, side, stage, spec, work, log):
    "Run one worker subprocess; return (its result dict, its peak RSS in MB)."
    spec_path, out_path = work/"spec.json", work/f"{side}_{stage}.json"
    spec_path.write_text(json.dumps(spec))
    cmd = [python, str(Path(__file__).resolve()), "--worker", side, stage, str(spec_path), str(out_path)]
    env = dict(os.environ, OMP_NUM_THREADS=str(spec["threads"]), MKL_NUM_THREADS=str(spec["threads"]),
               PYTHONUNBUFFERED="1")
    if side == "ref": env.pop("PYTHONPATH", None)  # the reference must import its own lightning_pose
    else: env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    t0 = time.perf_counter()
    with open(log, "w") as f:
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env, cwd=work)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
    res = json.loads(out_path.read_text()) if out_path.exists() else {"error": f"exit code {p.returncode}, see {log}"}
    if p.returncode and "error" not in res: res["error"] = f"exit code {p.returncode}, see {log}"
    res["child_wall_s"] = time.perf_counter() - t0
    return res, ru.ru_maxrss/1024  # Linux: KiB

def machine():
    cpu = platform.processor() or "?"
    try: cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except Exception: pass
    try:
        import torch
        gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
        tv = torch.__version__
    except Exception: gpu, tv = "?", "?"
    return f"{cpu}, {os.cpu_count()} cores, torch {tv}, GPU: {gpu}, python {platform.python_version()}"

def fmt(x, f="{:.2f}"):
    return "n/a" if x is None or (isinstance(x, float) and x != x) else f.format(x)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="mirror-mouse-example folder")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads on both sides")
    ap.add_argument("--workers", type=int, default=0, help="dataloader workers on both sides")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--size", type=int, default=128, help="resized input height = width")
    ap.add_argument("--check-val", type=int, default=5, help="validate every n epochs (reference default 5)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--augment", choices=["none", "default"], default="none",
                    help="none: resize only on both sides; default: each package's default augmentation "
                         "(reference imgaug 'dlc', ours training.augmentation)")
    ap.add_argument("--sides", default="ref,ours")
    ap.add_argument("--ref-python", default=DEFAULT_REF_PYTHON)
    ap.add_argument("--work", type=Path, default=None, help="output folder (default: a new temp folder)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="R > 1: train both sides R times, interleaved (ref, ours, then ours, ref, ...), no video prediction; "
                         "medians of s/step and img/s, and each round's ratio")
    ap.add_argument("--worker", nargs=4, metavar=("SIDE", "STAGE", "SPEC", "OUT"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker: return worker_main(*a.worker)

    work = (a.work or Path(tempfile.mkdtemp(prefix="lp_bench_"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    spec = dict(data=str(a.data.resolve()), epochs=a.epochs, threads=a.threads, workers=a.workers, batch=a.batch,
                size=a.size, check_val=a.check_val, seed=a.seed, augment=a.augment, work=str(work))
    sides = [s.strip() for s in a.sides.split(",") if s.strip()]
    if a.rounds > 1: return interleaved_rounds(a, argv, spec, sides, work)
    load0 = os.getloadavg()
    res = {}
    for side in sides:
        python = a.ref_python if side == "ref" else sys.executable
        if side == "ours":
            reason = _probe_ours(python)
            if reason: res[side] = {"unavailable": reason}; print(f"ours: not available ({reason})", flush=True); continue
        print(f"[{time.strftime('%H:%M:%S')}] {side}: training {a.epochs} epochs ...", flush=True)
        tr, rss_tr = run_child(python, side, "train", spec, work, work/f"{side}_train.log")
        r = dict(train=tr, rss_train=rss_tr)
        if "error" not in tr:
            print(f"[{time.strftime('%H:%M:%S')}] {side}: predicting video ...", flush=True)
            pr, rss_pr = run_child(python, side, "predict", dict(spec, model_dir=tr["model_dir"]), work,
                                   work/f"{side}_predict.log")
            r.update(predict=pr, rss_predict=rss_pr)
        else: print(f"{side}: training failed: {tr['error']}", flush=True)
        res[side] = r
    load1 = os.getloadavg()
    (work/"results.json").write_text(json.dumps(res, indent=1, default=str))
    print_table(a, argv, spec, res, load0, load1, work)
    return res

def interleaved_rounds(a, argv, spec, sides, work):
    "Train every side `a.rounds` times, alternating the order each round; print the medians of the training figures."
    import statistics
    runs = {s: [] for s in sides}
    loads = []
    for i in range(a.rounds):
        loads.append(os.getloadavg()[0])
        for side in (sides if i % 2 == 0 else sides[::-1]):
            w = work/f"round{i}_{side}"; w.mkdir(parents=True, exist_ok=True)
            print(f"[{time.strftime('%H:%M:%S')}] round {i + 1}: {side} training {a.epochs} epochs ...", flush=True)
            tr, _ = run_child(a.ref_python if side == "ref" else sys.executable, side, "train", dict(spec, work=str(w), side=side), w, w/f"{side}_train.log")
            if "error" in tr: print(f"{side}: training failed: {tr['error']}", flush=True); continue
            runs[side].append(tr["timing"])
    (work/"rounds.json").write_text(json.dumps(dict(runs=runs, loads=loads), indent=1))
    cmd = "python benchmarks/train_predict.py " + " ".join(shlex.quote(x) for x in (argv if argv is not None else sys.argv[1:]))
    print()
    print(f"command : {cmd}")
    print(f"machine : {machine()}")
    print(f"load    : 1-min load average at the start of each round: {', '.join('%.2f' % l for l in loads)} (other jobs share the cores)")
    print(f"settings: ResNet-18 random init, {spec['size']}x{spec['size']}, batch {spec['batch']}, {spec['epochs']} epochs "
          f"(training loops of epochs 2..E timed; validation, checkpoint writes, end of fit apart), torch threads {spec['threads']}, "
          f"dataloader workers {spec['workers']}, augmentation {spec['augment']}, CPU; median of {a.rounds} interleaved rounds")
    hdr = f"{'side':<10}{'steps/ep':>9}{'s/step':>8}{'img/s':>7}{'CPU s/step':>11}{'other s':>9}   s/step per round"
    print(hdr); print("-" * len(hdr))
    med = {}
    for side in sides:
        t = runs[side]
        if not t: print(f"{side:<10} failed"); continue
        sps, cps = statistics.median(x["s_per_step"] for x in t), statistics.median(x["cpu_s_per_step"] for x in t)
        med[side] = (sps, cps)
        oth = statistics.median(x.get("other_s", float("nan")) for x in t)
        print(f"{side:<10}{t[0]['steps_per_epoch']:>9.0f}{sps:>8.3f}{spec['batch'] / sps:>7.1f}{cps:>11.3f}{oth:>9.2f}   "
              + ", ".join(f"{x['s_per_step']:.3f}" for x in t))
    print("(other s: seconds of epochs 2..E outside the training loops and validation: checkpoint writes, epoch ends, end of fit)")
    notes = {"ours": "(>1: ours faster; goal >= 1.5x)", "ours-bf16": "(ours in bf16-mixed, the reference in fp32)",
             "ours-cl": "(ours with channels-last throughout)"}
    for side in [s for s in sides if s.startswith("ours") and s in med and "ref" in med]:
        per = [r["s_per_step"] / o["s_per_step"] for r, o in zip(runs["ref"], runs[side])]
        name = "ref/" + side.replace("ours-", "") if side != "ours" else "ref/ours"
        print(f"{name:<10}{'':>9}{med['ref'][0] / med[side][0]:>7.2f}x{med['ref'][0] / med[side][0]:>6.2f}x"
              f"{med['ref'][1] / med[side][1]:>10.2f}x   per round: {', '.join(f'{x:.2f}x' for x in per)}  {notes.get(side, '')}")
    return runs

def _probe_ours(python):
    code = ("import sys; sys.path.insert(0, %r); sys.argv=['x']\n"
            "import importlib.util; s = importlib.util.spec_from_file_location('b', %r); m = importlib.util.module_from_spec(s)\n"
            "s.loader.exec_module(m); r = m.ours_available(); print(r or '')") % (str(REPO), str(Path(__file__).resolve()))
    p = subprocess.run([python, "-c", code], capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)))
    if p.returncode: return (p.stderr.strip().splitlines() or ["probe failed"])[-1]
    return p.stdout.strip() or None

def print_table(a, argv, spec, res, load0, load1, work):
    cmd = "python benchmarks/train_predict.py " + " ".join(shlex.quote(x) for x in (argv if argv is not None else sys.argv[1:]))
    def row(side):
        r = res.get(side)
        if r is None or "unavailable" in r or "error" in r.get("train", {}):
            why = (r or {}).get("unavailable") or (r or {}).get("train", {}).get("error", "not run")
            return dict(spe=None, sps=None, ips=None, steps=None, cps=None, fps=None, rss_tr=None, rss_pr=None, px=None, note=why)
        tr, pr = r["train"], r.get("predict", {})
        t = tr.get("timing") or {}
        sps = t.get("s_per_step")
        return dict(spe=t.get("s_per_epoch"), sps=sps, ips=spec["batch"] / sps if sps else None, steps=t.get("steps_per_epoch"),
                    cps=t.get("cpu_s_per_step"),
                    fps=pr.get("fps"), rss_tr=r.get("rss_train"), rss_pr=r.get("rss_predict"),
                    px=tr.get("test_px"), note=("*whole train() / E" if t.get("whole_train_call") else "")
                    + (f" predict error: {pr['error']}" if "error" in pr else ""))
    rows = {s: row(s) for s in ("ref", "ours")}
    print()
    print(f"command : {cmd}")
    print(f"machine : {machine()}")
    print(f"load    : 1-min load average {load0[0]:.2f} before, {load1[0]:.2f} after (other jobs share the cores)")
    print(f"settings: ResNet-18 random init, {spec['size']}x{spec['size']}, batch {spec['batch']}, {spec['epochs']} epochs, "
          f"val every {spec['check_val']}, split 0.8/0.1/0.1 seed {spec['seed']}, augmentation {spec['augment']}, "
          f"torch threads {spec['threads']}, dataloader workers {spec['workers']}, CPU")
    vr = res.get("ref", {}).get("train", {})
    print(f"reference: lightning-pose {vr.get('version', '?')} (torch {vr.get('torch', '?')}); outputs in {work}")
    hdr = (f"{'side':<10}{'steps/ep':>9}{'s/step':>8}{'img/s':>7}{'CPU s/step':>11}{'s/epoch':>9}{'pred fr/s':>10}{'RSS train MB':>13}"
           f"{'RSS pred MB':>12}{'test px err':>12}  note")
    print(hdr); print("-"*len(hdr))
    for s, name in (("ref", "reference"), ("ours", "ours")):
        r = rows[s]
        print(f"{name:<10}{fmt(r['steps'], '{:.0f}'):>9}{fmt(r['sps'], '{:.3f}'):>8}{fmt(r['ips'], '{:.1f}'):>7}{fmt(r['cps'], '{:.3f}'):>11}{fmt(r['spe']):>9}"
              f"{fmt(r['fps'], '{:.1f}'):>10}{fmt(r['rss_tr'], '{:.0f}'):>13}{fmt(r['rss_pr'], '{:.0f}'):>12}{fmt(r['px']):>12}  {r['note']}")
    R, O = rows["ref"], rows["ours"]
    def ratio(x, y): return None if x is None or y is None or y == 0 else x/y
    print(f"{'ref/ours':<10}{'':>9}{fmt(ratio(R['sps'], O['sps']), '{:.2f}x'):>8}{fmt(ratio(O['ips'], R['ips']), '{:.2f}x'):>7}"
          f"{fmt(ratio(R['cps'], O['cps']), '{:.2f}x'):>11}"
          f"{fmt(ratio(R['spe'], O['spe']), '{:.2f}x'):>9}{fmt(ratio(O['fps'], R['fps']), '{:.2f}x'):>10}"
          f"{fmt(ratio(R['rss_tr'], O['rss_tr']), '{:.2f}x'):>13}{fmt(ratio(R['rss_pr'], O['rss_pr']), '{:.2f}x'):>12}"
          f"{fmt(ratio(R['px'], O['px']), '{:.2f}x'):>12}  (>1: ours better; goal >= 1.5x throughput at equal steps)")
    for s in ("ref", "ours"):
        tr = res.get(s, {}).get("train", {})
        if tr and "error" not in tr:
            t = tr.get("timing") or {}
            print(f"{s}: train() wall {fmt(tr.get('train_wall_s'), '{:.1f}')} s, first epoch {fmt(t.get('first_epoch_s'))} s, "
                  f"val px {fmt(tr.get('val_px'))}, test frames ({len(tr.get('test_frames', []))}): "
                  f"{' '.join(Path(f).stem for f in tr.get('test_frames', []))}")
            pr = res[s].get("predict", {})
            if pr and "error" not in pr:
                print(f"{s}: predicted {pr.get('frames')} frames in {fmt(pr.get('predict_wall_s'), '{:.1f}')} s"
                      + (f" (reader {pr['reader']}, batch {pr['batch']})" if "reader" in pr else ""))
    if vr.get("ref_own_test_px") is not None:
        print(f"reference's own predictions_pixel_error.csv, test mean: {vr['ref_own_test_px']:.2f} px (cross-check)")

if __name__ == "__main__":
    main()
