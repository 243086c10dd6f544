#!/usr/bin/env python
"""Video prediction speed against the CPU's limit: end-to-end frames/s next to the network's forward-only rate.

For each input size (default 128 and 256 px) a ResNet-18 heat-map model of ours (trained briefly on the
mirror-mouse example, or given with `--model SIZE=DIR`) is exported to ONNX, and a reference model (lightning-pose
2.4.3 in its own virtualenv, trained for one epoch, or given with `--ref-model DIR`) is set to the same input size
(a copy of its model directory whose config has that `image_resize_dims`: the ResNet-18 heat-map network is fully
convolutional, so its speed does not depend on which size its weights were trained at). Then `--repeat` rounds,
each measuring at every size, in this order, so that the machine's load hits all of them alike:
- forward-only: our network alone on already decoded, resized, normalised frames (batches of `--batch`,
  channels-last for torch), images/s, measured both one batch at a time on all threads and with batches side by
  side as `predict_video` runs them on the CPU (the threads split among them); the better of the two is the limit
  prediction cannot beat (side by side, onnxruntime's forward runs 5-7% faster on 2 cores; torch's the same);
- end to end: `predict_video` on the video (decode, resize, network, heat-map decoding, CSV writing; model loading
  excluded), frames/s; for the torch and the ONNX (onnxruntime) runtime;
- the reference: `Model.predict_on_video_file(..., reader="opencv")` (its CPU reader; DALI needs a GPU) in a child
  process of the reference virtualenv, timed around that call only (model loading excluded), frames/s.
Ours runs with freed memory kept for reuse (`lightning_pose.cli.keep_freed_memory`, as the `litpose` command
does; `--malloc-default` measures without), the reference as it ships. The median of the rounds is reported, with each round's 1-minute load average, and the CPU milliseconds per frame
(all threads of the process) of forward-only and of end to end: on a busy machine two torch threads spend much of
their CPU time waiting for each other, which the end-to-end run's decoding thread can use, so compare the wall-clock
ratio with the CPU-time one. `--frames N` predicts the first N
frames of `videos/test_vid.mp4` (its packets up to the next keyframe, copied without re-encoding into the work
folder: the same file, decoded at the same cost, for every side) to keep the rounds short.

Usage (from the repo root; 2 cores):
    PYTHONPATH=. OMP_NUM_THREADS=2 python benchmarks/predict_speed.py [--sizes 128,256] [--frames 300] [--ref]
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


LAST_CPU = []   # CPU seconds per image of the last measurement (all threads of this process), read by `one_round`


def _timed(call, chunks, min_s: float) -> tuple[float, float]:
    "Images/s and CPU seconds per image of `call(list of batches)` repeated over `chunks` for at least `min_s` seconds."
    call(chunks[:2])
    n, t0, c0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - t0 < min_s:
        call(chunks); n += sum(len(c) for c in chunks)
    return n / (time.perf_counter() - t0), (time.process_time() - c0) / n


def forward_rates(model, frames, batch: int, min_s: float=4.) -> dict:
    """Images/s of the network alone on preprocessed frames (N, 3, h, w), in both ways prediction could run it: one
    batch at a time on all threads (`seq`), and batches side by side with the threads split among them as
    `predict_video` runs them on the CPU (`side`, `prediction_workers`); `fwd` is the better of the two: the limit."""
    import torch
    from concurrent.futures import ThreadPoolExecutor
    from lightning_pose.train import prediction_workers, torch_threads
    chunks = [f.contiguous(memory_format=torch.channels_last) for f in frames.split(batch) if len(f) == batch]
    def one(c):
        with torch.inference_mode(): return model(c)        # inference mode is per thread
    workers, threads = prediction_workers("cpu")
    out = {}
    out["seq"], out["seq_cpu"] = _timed(lambda cs: [one(c) for c in cs], chunks, min_s)
    with torch_threads(threads), ThreadPoolExecutor(workers) as pool:
        out["side"], out["side_cpu"] = _timed(lambda cs: list(pool.map(one, cs)), chunks * workers, min_s)
    best = max(("seq", "side"), key=out.get)
    out["fwd"] = out[best]
    LAST_CPU.append(out[f"{best}_cpu"])
    return out


def end_to_end_rate(model, video: Path, out_csv: Path, batch: int) -> float:
    "Frames/s of `predict_video` on the whole video (CSV written)."
    from lightning_pose.predict import predict_video
    from lightning_pose.videoio import video_info
    t0, c0 = time.perf_counter(), time.process_time()
    predict_video(model, video, out_csv, batch_size=batch, backend="cpu", overwrite=True, progress=False)
    LAST_CPU.append((time.process_time() - c0) / video_info(video).n_frames)
    return video_info(video).n_frames / (time.perf_counter() - t0)


def load_ours(md: Path, video: Path, batch: int) -> dict:
    "Our torch and ONNX models of a model directory, and preprocessed frames for the forward-only rate."
    from lightning_pose.export import OnnxPoseModel
    from lightning_pose.predict import load_model
    from lightning_pose.video import prediction_frames
    from lightning_pose.videoio import read_frames
    tm, om = load_model(md, "cpu"), OnnxPoseModel(md)
    return dict(torch=tm, onnx=om, frames=prediction_frames(read_frames(video, 0, 4 * batch), tm.image_hw))


def ref_model_at(ref_dir: Path, size: int, work: Path) -> Path:
    "A copy of a reference model directory predicting at `size` x `size` (config edited, checkpoints linked)."
    import yaml
    out = work/f"ref_model_{size}"
    out.mkdir(parents=True, exist_ok=True)
    cfg = yaml.safe_load((ref_dir/"config.yaml").read_text())
    cfg["data"]["image_resize_dims"] = {"height": size, "width": size}
    (out/"config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    for name in ("tb_logs", "CollectedData.csv"):
        if (ref_dir/name).exists() and not (out/name).exists(): (out/name).symlink_to((ref_dir/name).resolve())
    return out


def train_ref(data: Path, size: int, threads: int, ref_python: str, work: Path) -> Path|str:
    "A reference model trained for one epoch (its directory), or the error."
    spec = dict(data=str(data), epochs=1, threads=threads, workers=0, batch=8, size=size, check_val=1, seed=0,
                augment="none", work=str(work))
    tr, _ = tp.run_child(ref_python, "ref", "train", spec, work, work/"ref_train.log")
    return tr.get("error") or Path(tr["model_dir"])


def ref_rate(ref_dir: Path, video: Path, threads: int, ref_python: str, work: Path) -> dict:
    "One reference prediction of the video: frames/s around `predict_on_video_file`, or an `error`."
    spec = dict(data=str(tp.DEFAULT_DATA), threads=threads, work=str(work), model_dir=str(ref_dir), video=str(video),
                pred_dir=str(work/"ref_preds"))
    r, _ = tp.run_child(ref_python, "ref", "predict", spec, work, work/"ref_predict.log")
    return r


def clip_video(video: Path, n: int, work: Path) -> Path:
    "The video's packets up to its first keyframe at or after frame `n`, copied as they are (no re-encoding) into `work`."
    if not n: return video
    import av
    from lightning_pose.videoio import video_info
    out = work/f"{video.stem}_first{n}.mp4"
    if out.exists(): return out
    with av.open(str(video)) as src, av.open(str(out), "w") as dst:
        s = src.streams.video[0]
        o = dst.add_stream_from_template(s)
        for i, pkt in enumerate(src.demux(s)):
            if pkt.dts is None or (i >= n and pkt.is_keyframe): break
            pkt.stream = o
            dst.mux(pkt)
    if video_info(out).n_frames < n: raise RuntimeError(f"{out}: fewer than {n} frames after copying")
    return out


def one_round(ours: dict, refs: dict, video: Path, a, work: Path) -> dict:
    "Every measurement once, at every size: forward-only and end to end for both runtimes, then the reference."
    r = {"load": os.getloadavg()[0]}
    for size, m in ours.items():
        w = work/f"s{size}"
        for rt in ("torch", "onnx"):
            fw = forward_rates(m[rt], m["frames"], a.batch)
            r[f"{size}_{rt}_fwd"], r[f"{size}_{rt}_fwd_seq"], r[f"{size}_{rt}_fwd_side"] = fw["fwd"], fw["seq"], fw["side"]
            r[f"{size}_{rt}_fwd_cpu_ms"] = 1e3 * LAST_CPU[-1]
            r[f"{size}_{rt}_e2e"] = end_to_end_rate(m[rt], video, w/f"{rt}.csv", a.batch)
            r[f"{size}_{rt}_e2e_cpu_ms"] = 1e3 * LAST_CPU[-1]
        if size in refs and isinstance(refs[size], Path):
            rr = ref_rate(refs[size], video, a.threads, a.ref_python, w)
            r[f"{size}_ref_e2e"] = rr.get("fps", float("nan"))
            if "error" in rr: r[f"{size}_ref_error"] = rr["error"]
    return r


def onnx_vs_torch(work: Path, size: int, orig_hw: tuple[int, int]) -> dict:
    "Largest |difference| between the torch and ONNX CSVs: keypoints (frame px, network-input px, at likelihood >= 0.5), likelihood."
    import numpy as np, pandas as pd
    a, b = (pd.read_csv(work/f"s{size}"/f"{rt}.csv", header=[0, 1, 2], index_col=0) for rt in ("torch", "onnx"))
    lik = a.columns.get_level_values(-1) == "likelihood"
    d = np.abs(a.to_numpy(float) - b.to_numpy(float))
    dxy, conf = d[:, ~lik], np.repeat(a.to_numpy(float)[:, lik], 2, axis=1)           # x, y columns; each one's likelihood
    scale = np.tile([size / orig_hw[1], size / orig_hw[0]], dxy.shape[1] // 2)         # frame px -> network-input px
    return dict(px=float(dxy.max()), net_px=float((dxy * scale).max()), confident_px=float(dxy[conf >= 0.5].max(initial=0.)),
                lik=float(d[:, lik].max()), n_over=int((dxy > 1e-3).sum()), n=int(dxy.size))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=tp.DEFAULT_DATA)
    ap.add_argument("--sizes", default="128,256")
    ap.add_argument("--epochs", type=int, default=20, help="training epochs of our model (when not given with --model)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--frames", type=int, default=0, help="predict the first N frames of the video (0: all)")
    ap.add_argument("--ref", action="store_true", help="also run the reference package")
    ap.add_argument("--ref-python", default=tp.DEFAULT_REF_PYTHON)
    ap.add_argument("--ref-model", type=Path, default=None, help="a trained reference model directory (any input size)")
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--model", action="append", default=[], metavar="SIZE=DIR",
                    help="use this trained model directory for SIZE instead of training one (e.g. train_predict.py's ours_model)")
    ap.add_argument("--malloc-default", action="store_true",
                    help="leave glibc's malloc as it is (default: keep freed memory, as the litpose command does)")
    a = ap.parse_args(argv)
    from lightning_pose.cli import keep_freed_memory
    a.kept = False if a.malloc_default else keep_freed_memory()
    import torch
    torch.set_num_threads(a.threads)
    import logging, warnings
    for n in ("lightning.pytorch", "lightning.fabric"): logging.getLogger(n).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    work = (a.work or Path(tempfile.mkdtemp(prefix="lp_pred_"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    video = clip_video(a.data/"videos"/"test_vid.mp4", a.frames, work)
    sizes, given = [int(s) for s in a.sizes.split(",")], dict(m.split("=", 1) for m in a.model)
    ours, refs = {}, {}
    for size in sizes:
        w = work/f"s{size}"; w.mkdir(parents=True, exist_ok=True)
        if str(size) in given:
            from lightning_pose.export import export_onnx
            md = Path(given[str(size)])
            if not (md/"model.onnx").exists(): export_onnx(md)
        else:
            print(f"[{time.strftime('%H:%M:%S')}] {size} px: training our model ({a.epochs} epochs) ...", flush=True)
            md = train_ours(a.data, size, a.epochs, w)
        ours[size] = load_ours(md, video, a.batch)
        if a.ref:
            if a.ref_model is None:
                print(f"[{time.strftime('%H:%M:%S')}] reference: training one epoch ...", flush=True)
                a.ref_model = train_ref(a.data, size, a.threads, a.ref_python, work)
            refs[size] = ref_model_at(a.ref_model, size, w) if isinstance(a.ref_model, Path) else a.ref_model
    rounds = []
    for i in range(a.repeat):
        print(f"[{time.strftime('%H:%M:%S')}] round {i + 1} of {a.repeat} ...", flush=True)
        rounds.append(one_round(ours, refs, video, a, work))
    (work/"results.json").write_text(json.dumps(dict(rounds=rounds, refs={k: str(v) for k, v in refs.items()}), indent=1))
    print_table(a, argv, sizes, rounds, refs, video, work)
    return rounds


def print_table(a, argv, sizes, rounds, refs, video, work):
    from lightning_pose.videoio import video_info
    med = lambda k: statistics.median(r[k] for r in rounds) if k in rounds[0] else None
    print()
    print("command : PYTHONPATH=. python benchmarks/predict_speed.py " + " ".join(argv if argv is not None else sys.argv[1:]))
    print(f"machine : {tp.machine()}, torch threads {a.threads}, onnxruntime intra-op threads {a.threads}, "
          f"ours: {'freed memory kept (keep_freed_memory, as litpose does)' if a.kept else 'default malloc'}")
    print(f"load    : 1-min load average at the start of each round: {', '.join('%.2f' % r['load'] for r in rounds)}")
    print(f"video   : first {video_info(video).n_frames} frames of test_vid.mp4 (as encoded) ({video_info(video).width} x {video_info(video).height}), "
          f"ResNet-18, batch {a.batch} (reference: its own, 96), median of {a.repeat} interleaved rounds; outputs in {work}")
    hdr = f"{'size':>5} {'runtime':<8}{'forward img/s':>14}{'end-to-end fr/s':>17}{'e2e/forward':>13}{'ref fr/s':>10}{'ours/ref':>10}"
    print(hdr); print("-" * len(hdr))
    for size in sizes:
        rf = med(f"{size}_ref_e2e")
        for rt in ("torch", "onnx"):
            f, e = med(f"{size}_{rt}_fwd"), med(f"{size}_{rt}_e2e")
            print(f"{size:>5} {rt:<8}{f:>14.1f}{e:>17.1f}{e / f:>12.0%} {tp.fmt(rf, '{:.1f}'):>9}{tp.fmt(e / rf if rf else None, '{:.2f}x'):>10}")
        for rt in ("torch", "onnx"):
            sq, sd = med(f"{size}_{rt}_fwd_seq"), med(f"{size}_{rt}_fwd_side")
            print(f"      {rt}: forward only, one batch at a time on {a.threads} threads {sq:.1f} img/s, batches side by side "
                  f"as prediction runs them {sd:.1f} img/s (the limit is the better, in each round)")
        for rt in ("torch", "onnx"):
            paired = [r[f"{size}_{rt}_e2e"] / r[f"{size}_{rt}_fwd"] for r in rounds]
            print(f"      {rt}: e2e/forward within each round (measured back to back): {', '.join(f'{x:.0%}' for x in paired)}; "
                  f"median {statistics.median(paired):.0%}")
        for rt in ("torch", "onnx"):
            f, e = med(f"{size}_{rt}_fwd_cpu_ms"), med(f"{size}_{rt}_e2e_cpu_ms")
            if f: print(f"      {rt}: CPU ms per frame (all threads): forward {f:.1f}, end to end {e:.1f} (forward / end to end {f / e:.0%})")
        if isinstance(refs.get(size), str): print(f"      reference failed: {refs[size]}")
        err = next((r[f"{size}_ref_error"] for r in rounds if f"{size}_ref_error" in r), None)
        if err: print(f"      reference failed: {err}")
        o = onnx_vs_torch(work, size, (video_info(video).height, video_info(video).width))
        print(f"      onnx vs torch on the whole video: max |difference| {o['px']:.1e} frame px ({o['net_px']:.1e} network-input px; "
              f"{o['confident_px']:.1e} px where likelihood >= 0.5; {o['n_over']} of {o['n']} coordinates over 1e-3 px), {o['lik']:.1e} likelihood")
    print("per round (fr/s or img/s): " + "; ".join(", ".join(f"{k}={v:.1f}" for k, v in r.items() if isinstance(v, float) and k != "load" and "cpu" not in k and not k.endswith(("_seq", "_side"))) for r in rounds))


if __name__ == "__main__":
    main()
