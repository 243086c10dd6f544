"""The measurements of benchmarks/gpu.py, on a CUDA GPU (run in their own process by `gpu.py --measure-only`).

Every figure comes from the package's public functions on synthetic data: videos and a project from
`lightning_pose.synthetic`, decoding through `lightning_pose.dali` / `lightning_pose.video`, training with
`lightning_pose.train.train`, prediction with `lightning_pose.predict.predict_video`. Models train from random
initialisation (`model.pretrained=false`): the GPU machines cannot download ImageNet weights.
"""
from __future__ import annotations

import json, logging, tempfile, time, warnings
from pathlib import Path

import numpy as np
import torch

from lightning_pose.augment import ClipAugment
from lightning_pose.config import load_config
from lightning_pose.dali import dali_sequence_chunks
from lightning_pose.demo import demo_overrides, semi_supervised_overrides
from lightning_pose.predict import predict_video
from lightning_pose.synthetic import make_toy_project, make_toy_video
from lightning_pose.train import quiet_lightning, train
from lightning_pose.video import UnlabeledClips
from lightning_pose.videoio import write_video

HW = (256, 256)


def timed(step: str, fn, value_fmt="{:.0f}"):
    "Run `fn()` -> (value, unit) on the GPU; a table row with its wall time and peak GPU memory."
    torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    try:
        value, unit = fn()
        torch.cuda.synchronize()
        row = dict(step=step, result="ok", value=f"{value_fmt.format(value)} {unit}")
    except Exception as e:   # one failed measurement must not hide the others
        row = dict(step=step, result="FAILED", value=f"{type(e).__name__}: {e}"[:80])
    row.update(seconds=time.perf_counter() - t0, peak_gib=torch.cuda.max_memory_allocated() / 2**30)
    return row


def sequence_fps(video: Path, n_frames: int) -> tuple[float, str]:
    "Frames/s of decoding a whole video in order on the GPU (DALI), resized to 256 x 256; pipeline build excluded."
    chunks = dali_sequence_chunks(video, 64, HW, decode_device="gpu", device="cuda")
    first, idx = next(chunks)
    torch.cuda.synchronize(); t0, n = time.perf_counter(), 0
    for x, idx in chunks: n += len(idx)
    torch.cuda.synchronize()
    return n / (time.perf_counter() - t0), f"frames/s ({n + len(first)} of {n_frames} frames)"


def clip_fps(video: Path, n_clips: int=16, clip_length: int=32) -> tuple[float, str]:
    "Frames/s of random augmented training clips decoded on the GPU (DALI); the first clip excluded."
    it = iter(UnlabeledClips([video], clip_length=clip_length, resize_hw=HW, backend="dali", augment=ClipAugment(), device="cuda"))
    next(it); torch.cuda.synchronize(); t0 = time.perf_counter()
    for _ in range(n_clips): next(it)
    torch.cuda.synchronize()
    return n_clips * clip_length / (time.perf_counter() - t0), "frames/s"


def train_epochs(project, out: Path, semi: bool, backbone: str="resnet18", epochs: int=2) -> tuple[float, str]:
    "Seconds per training epoch on the GPU (fit time / epochs), ResNet from random init at 256 x 256."
    ov = demo_overrides(epochs=epochs, resize=HW[0]) + [f"model.backbone={backbone}", "training.accelerator=gpu",
                                                        "training.batch_size=16", "training.check_val_every_n_epoch=1"]
    if semi: ov += semi_supervised_overrides(clip_length=32, warmup_epochs=0, ramp_epochs=0) + ["losses.video_backend=dali"]
    model_dir = train(load_config(project.config, ov), out, progress=False)
    s = json.loads((model_dir/"summary.json").read_text())
    return s["fit_seconds"] / max(1, s["epochs"]), f"s/epoch ({s['epochs']} epochs)"


def predict_fps(model_dir: Path, video: Path, n_frames: int) -> tuple[float, str]:
    "Frames/s of predicting a whole 256 x 256 video (DALI reader on the GPU), model loading included."
    t0 = time.perf_counter()
    predict_video(model_dir, video, model_dir/"pred.csv", batch_size=64, backend="auto", progress=False)
    return n_frames / (time.perf_counter() - t0), "frames/s"


def measure(deadline: float|None=None, n_frames: int=2000) -> list[dict]:
    "Every measurement in turn, skipping what would start after `deadline` (a `time.time()`)."
    quiet_lightning(); logging.getLogger("lightning.pytorch").setLevel(logging.ERROR); warnings.filterwarnings("ignore")
    rows, tmp = [], Path(tempfile.mkdtemp(prefix="litpose-gpu-"))
    vid = make_toy_video(n_frames=125, height=HW[0], width=HW[1], seed=0)           # drawn once, looped: decoding
    video = write_video(np.concatenate([vid.frames] * (n_frames // 125)), tmp/"toy.mp4", vid.fps)   # speed is per frame
    project = make_toy_project(tmp/"project", size="small", seed=0)
    models = {}
    def fit(semi, backbone, name):
        def go():
            r = train_epochs(project, tmp/name, semi, backbone)
            models[name] = tmp/name
            return r
        return go
    steps = [("dali decode (sequence)", lambda: sequence_fps(video, n_frames)),
             ("dali clips (training)", lambda: clip_fps(video)),
             ("train epoch, supervised", fit(False, "resnet18", "r18")),
             ("train epoch, semi-supervised", fit(True, "resnet18", "r18_semi")),
             ("predict resnet18 256x256", lambda: predict_fps(models["r18"], video, n_frames)),
             ("train epoch, supervised resnet50", fit(False, "resnet50", "r50")),
             ("predict resnet50 256x256", lambda: predict_fps(models["r50"], video, n_frames))]
    for step, fn in steps:
        if deadline is not None and time.time() > deadline:
            rows.append(dict(step=step, result="SKIPPED", value="out of time", seconds=None, peak_gib=None)); continue
        rows.append(timed(step, fn, "{:.2f}" if "train" in step else "{:.0f}"))
    return rows
