"""Does unlabeled video help on a real project? Supervised vs semi-supervised on the mirror-mouse example, scored on
labeled frames that no model ever sees (neither for training nor for validation / checkpoint choice).

    PYTHONPATH=. OMP_NUM_THREADS=1 python benchmarks/real_data.py [--arms supervised semi-current semi-hm]
        [--seeds 0 1 2] [--epochs 100] [--size 128] [--batch 8] [--clip 8] [--heldout 20] [--work DIR] [--define NAME=JSON]
    python benchmarks/real_data.py --report DIR/results.jsonl [--arms ...]   # the table again, from saved results

Protocol (default = issue 13's): ResNet-18 from random init (`model.pretrained=false`), 128 x 128 input, batch 8,
E = 100 epochs (min = max, lr halved at 0.6 E and 0.8 E, `demo_overrides`), CPU. A fixed set of `--heldout` labeled
frames (seeded by `--heldout-seed`, the same for every arm and seed) is removed: the project the models train on is
a labels CSV written into `--work` that lists only the other frames (images are read in place from `--data`, nothing
is copied), split 90 / 10 into train / val by `training.seed` (the val frames choose the checkpoint). The unlabeled
video is `<data>/videos/test_vid.mp4`. Each seed trains every arm with that `training.seed`; before the unsupervised
losses start, a semi-supervised run is step for step the supervised one, so (semi - sup) is a paired difference.
Held-out error: Euclidean distance in original pixels between the best checkpoint's prediction and the label, over
held-out frames and labeled keypoints (mean, median); paired difference +- its standard error over seeds.

Arms (`ARMS`, or `--define NAME='{json}'`): `losses` (unsupervised loss names), `weight` (every loss), `weights`
({loss: weight}), `unit`, `warmup` / `ramp` (fractions of E), `temporal_eps` (original pixels), `prob_threshold`,
`clip` (frames per unlabeled clip), `batchnorm`, `joint` (with batchnorm "batch": labeled batch and clip in one
forward pass, BatchNorm statistics over both, as the paper's B + T batch), `bn_nostats` (with batchnorm "batch": the
clip is normalised by its own statistics but the running statistics are not updated by it), `overrides` (extra `section.key=value`). Units, prototyped here by
monkeypatching (the library is not changed):
- `current`: the library's (penalty in network-input pixels: original pixels / `pixel_scale`, times the weight);
- `hm`: penalty in heat-map pixels times c(sigma) = (1 - exp(-1 / 4 sigma^2)) / (2 pi sigma^2), the MSE heat-map
  loss of a keypoint one heat-map pixel off (two unit-sum Gaussians of std sigma heat-map pixels); weight 1: a
  heat-map pixel of constraint violation costs what a heat-map pixel of label error does;
- `pseudo`: the MSE heat-map loss a keypoint displaced by the penalty would have,
  (1 - exp(-d^2 / 4 sigma^2)) / (2 pi sigma^2) with d in heat-map pixels (the constraint as a pseudo-label;
  quadratic near 0, saturating at 1 / (2 pi sigma^2));
- `target`: each constraint as a pseudo-label: for every violating keypoint-frame, the heat-map MSE between the
  predicted heat map and a Gaussian label at the nearest point within the tolerance (PCA: moved along the residual by
  the hinge; temporal: both frames of a pair moved towards each other by half the hinge), averaged over all
  keypoint-frames (0 where satisfied); gradients reach the heat maps as the supervised loss's do (no soft argmax).
  Weight 1: a violating unlabeled keypoint counts as much as a labeled one.
- `library`: no patch at all: the package as it is (its own units and defaults; arm `semi-default` names the losses and
  nothing else, the issue-13 acceptance run).
Per epoch, the log shows the supervised loss and each weighted unsupervised term (their ratio is what matters).
"""
from __future__ import annotations

import argparse, json, math, os, platform, shutil, sys, tempfile, time
from pathlib import Path

import numpy as np
import torch
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import lightning_pose.video as lpvideo
from lightning_pose.augment import invert_keypoints, transform_keypoints
from lightning_pose.config import load_config
from lightning_pose.data import LabeledFrames
from lightning_pose.demo import demo_overrides
from lightning_pose.heatmaps import label_heatmaps, rescale_keypoints, spatial_softmax, visible_mask
from lightning_pose.io import read_pose_csv
from lightning_pose.losses import UnsupervisedLoss, heatmap_loss
from lightning_pose.predict import load_model
from lightning_pose.train import PoseModule, running_batchnorm, train

ALL = ["temporal", "pca_multiview", "pca_singleview"]
VIEW_LINKS = [list(range(7)), list(range(8, 15))]
PCA_KEYPOINTS = list(range(7)) + list(range(8, 15))

ARMS = {
    "supervised": dict(losses=[]),
    "semi-default": dict(losses=ALL, unit="library"),                   # the library as it is: losses named, every default
    "semi-current": dict(losses=ALL),                                    # naming the losses, every default as today
    "semi-demo": dict(losses=ALL, weight=1e-4, warmup=0.1, ramp=0.05),   # `litpose demo --semi-supervised`'s weights
    "semi-hm": dict(losses=ALL, unit="hm", weight=0.02, warmup=0.2, ramp=0.2),     # the recommendation (report, issue 13)
    "semi-hm1": dict(losses=ALL, unit="hm", weight=1.0, warmup=0.2, ramp=0.2),
    "semi-pseudo": dict(losses=ALL, unit="pseudo", weight=1.0, warmup=0.2, ramp=0.2),
    "semi-target": dict(losses=ALL, unit="target", weight=0.3, warmup=0.2, ramp=0.2),
}

# ---------------------------------------------------------------------------------------------------------------
# Prototypes of library changes (monkeypatches; configured per run through PATCH)
# ---------------------------------------------------------------------------------------------------------------
PATCH = dict(unit="current", sigma=1.25, hm_px=4.0)    # hm_px: original pixels per heat-map pixel (set per clip)
STATS: dict[str, list] = {}

def unit_c(sigma: float) -> float:
    "MSE heat-map loss of a keypoint one heat-map pixel off (unit-sum Gaussians of std sigma heat-map pixels)."
    return (1 - math.exp(-1 / (4 * sigma**2))) / (2 * math.pi * sigma**2)

def to_units(pen: torch.Tensor) -> torch.Tensor:
    "Penalties in original pixels -> the configured unit."
    u, s = PATCH["unit"], PATCH["sigma"]
    if u == "current": return pen
    d = pen / PATCH["hm_px"]
    if u == "hm": return d * unit_c(s)
    if u == "pseudo": return (1 - torch.exp(-d**2 / (4 * s**2))) / (2 * math.pi * s**2)
    raise ValueError(f"unknown unit {u!r}")

def loss_forward(self, keypoints, confidence=None):
    raw = self.penalties(keypoints, confidence)
    PATCH[f"px_{self.name}"] = float(raw.detach().mean()) if raw.numel() else 0.
    pen = to_units(raw)
    return pen.mean() if pen.numel() else pen.sum()

def pseudo_deltas(loss, y: torch.Tensor, conf: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    "Per keypoint-frame move (T, K, 2) that brings a violating prediction to its constraint's tolerance, and the mask."
    T, K, _ = y.shape
    delta, mask = torch.zeros_like(y), torch.zeros(T, K, dtype=torch.bool)
    ex = loss.penalties(y, conf).to(y.dtype)
    if loss.name == "temporal":
        v = y[1:] - y[:-1]
        u = v / v.norm(dim=-1, keepdim=True).clamp_min(1e-9)
        delta[1:] -= u * ex[..., None] / 2; delta[:-1] += u * ex[..., None] / 2
        mask[1:] |= ex > 0; mask[:-1] |= ex > 0
    else:
        pca = loss.pca
        r = pca.residuals(y).transpose(-2, -3).reshape(T, -1, 2)          # (T, M*G, 2) in `pca.keypoints` order
        f = ex / r.norm(dim=-1).clamp_min(1e-9)
        kps = pca.keypoints
        delta[:, kps] = -r * f[..., None]; mask[:, kps] = ex > 0
    return delta, mask

def target_loss(self, clip):
    "Unsupervised losses as pseudo-labels: heat-map MSE to a Gaussian at the nearest point within each constraint's tolerance."
    frames, A, hw = clip["frames"].to(self.device), clip["affine"], tuple(int(v) for v in clip["orig_hw"])
    if frames.ndim != 4: raise NotImplementedError("prototype: one camera (or mirrored views) only")
    d, m = self.cfg.data, self.cfg.model
    with running_batchnorm(self.net, self.cfg.losses.batchnorm == "running"):
        pred = self.decode(self(frames))
    A = A.to(pred["keypoints"])
    y = rescale_keypoints(invert_keypoints(pred["keypoints"].detach(), A), self.image_hw, hw)   # original pixels
    conf = pred["confidence"].detach()
    total, parts = pred["heatmaps"].new_zeros(()), {}
    for n, loss in self.loss_factory.losses.items():
        delta, mask = pseudo_deltas(loss, y, conf)
        PATCH[f"px_{n}"] = float(loss.penalties(y, conf).mean())
        tgt = transform_keypoints(rescale_keypoints(y + delta, hw, self.image_hw), A)          # augmented input pixels
        tgt = torch.where(mask[..., None], tgt, torch.full_like(tgt, float("nan")))
        hm_t = label_heatmaps(tgt, self.image_hw, d.downsample_factor, m.sigma).to(pred["heatmaps"].dtype)
        per = ((pred["heatmaps"] - hm_t)**2).sum((-2, -1))
        cover = len(loss.pca.keypoints) if hasattr(loss, "pca") else y.shape[1]
        v = (per * mask).sum() / (mask.shape[0] * cover)
        PATCH[f"last_{n}"] = float(v.detach()); parts[n] = v.detach()
        total = total + self.loss_factory.weights[n] * v
    PATCH["pixel_scale"] = self.pixel_scale([hw])
    return total, parts

def unsupervised_loss(self, clip):
    "As the library's, but penalties converted by `to_units` (the 'current' unit divides by pixel_scale as today)."
    if PATCH["unit"] == "target": return target_loss(self, clip)
    frames, affine, hws = clip["frames"].to(self.device), clip["affine"], clip["orig_hw"]
    if frames.ndim == 4: frames, affine, hws = frames[None], affine[None], [hws]
    xys, confs = [], []
    bns = [m for m in self.net.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    keep = self.cfg.losses.batchnorm == "batch" and PATCH.get("bn_nostats")   # clip's statistics, running ones untouched
    moms = [m.momentum for m in bns]
    for x, A, hw in zip(frames, affine, hws):
        if keep:
            for m in bns: m.momentum = 0.
        try:
            with running_batchnorm(self.net, self.cfg.losses.batchnorm == "running"):
                pred = self.decode(self.net.forward_clip(x) if self.is_context else self(x))
        finally:
            for m, mo in zip(bns, moms): m.momentum = mo
        xy = invert_keypoints(pred["keypoints"], A.to(pred["keypoints"]))
        xys.append(rescale_keypoints(xy, self.image_hw, tuple(int(v) for v in hw)))
        confs.append(pred["confidence"])
    PATCH["pixel_scale"] = self.pixel_scale(hws)
    PATCH["hm_px"] = PATCH["pixel_scale"] * 2 ** self.cfg.data.downsample_factor
    PATCH["sigma"] = self.cfg.model.sigma
    total, parts = self.loss_factory(torch.cat(xys, -2), torch.cat(confs, -1))
    return (total / self.pixel_scale(hws) if PATCH["unit"] == "current" else total), parts

def joint_step(self, batch, clip) -> tuple:
    "Labeled batch and unlabeled clip through the network as one batch (BatchNorm statistics of both): sup, unsup."
    d, m = self.cfg.data, self.cfg.model
    kp, B = batch["keypoints"], len(batch["keypoints"])
    frames = clip["frames"].to(self.device)
    out = self(torch.cat([batch["images"], frames]))
    target = label_heatmaps(kp, self.image_hw, d.downsample_factor, m.sigma).to(kp.dtype)
    sup = heatmap_loss(spatial_softmax(out[:B]), target, visible_mask(kp).to(kp.device), m.heatmap_loss)
    pred = self.decode(out[B:])
    xy = invert_keypoints(pred["keypoints"], clip["affine"].to(pred["keypoints"]))
    hw = tuple(int(v) for v in clip["orig_hw"])
    PATCH["pixel_scale"] = self.pixel_scale([hw])
    PATCH["hm_px"] = PATCH["pixel_scale"] * 2 ** d.downsample_factor
    PATCH["sigma"] = m.sigma
    total, parts = self.loss_factory(rescale_keypoints(xy, self.image_hw, hw), pred["confidence"])
    return sup, (total / PATCH["pixel_scale"] if PATCH["unit"] == "current" else total)

def training_step(self, batch, batch_idx):
    "As the library's (or `joint_step`), and records the supervised loss and each weighted unsupervised term per step."
    scale = self.loss_factory.weight_scale(self.current_epoch) if self.loss_factory is not None else 0.
    on = scale > 0 and self.unlabeled is not None
    if on and self.cfg.losses.batchnorm == "batch" and PATCH.get("joint"): sup, unsup = joint_step(self, batch, self.next_clip())
    else:
        sup, _ = self.supervised_loss(batch)
        if on: unsup, _ = self.unsupervised_loss(self.next_clip())
    self.log("train_heatmap_loss", sup, batch_size=len(batch["keypoints"]))
    STATS.setdefault("sup", []).append(float(sup.detach()))
    loss = sup
    if on:
        loss = loss + scale * unsup
        div = PATCH["pixel_scale"] if PATCH["unit"] == "current" else 1.
        for k in self.loss_factory.losses:                  # each weighted term as it enters the loss, and its raw px
            STATS.setdefault(k, []).append(scale * self.loss_factory.weights[k] * PATCH[f"last_{k}"] / div)
            STATS.setdefault(f"{k}_px", []).append(PATCH[f"px_{k}"])
        STATS.setdefault("unsup", []).append(float(scale * unsup.detach()))
    return loss

def factory_forward(self, keypoints, confidence=None, epoch=None):
    total, logs = keypoints.new_zeros(()), {}
    for n, loss in self.losses.items():
        v = loss(keypoints, confidence)
        logs[n] = v.detach()
        PATCH[f"last_{n}"] = float(v.detach())
        total = total + self.weights[n] * v
    scale = 1. if epoch is None else self.weight_scale(epoch)
    return scale * total, logs

class EpochLog:
    "Lightning callback printing the epoch's mean supervised loss and weighted unsupervised terms."
    def __new__(cls):
        import lightning as L
        class _CB(L.Callback):
            def on_train_epoch_end(self, trainer, module):
                e = trainer.current_epoch
                if e % 5 == 4 or e == 0:
                    m = {k: np.mean(v) for k, v in STATS.items() if v}
                    m.update({k: float(v) for k, v in trainer.callback_metrics.items() if k.startswith("val_")})
                    s = " ".join(f"{k} {v:.3g}" for k, v in m.items())
                    print(f"    epoch {e + 1}: {s}", flush=True)
                STATS.clear()
            def on_train_end(self, trainer, module):
                trainer.save_checkpoint(Path(trainer.checkpoint_callback.dirpath)/"last.ckpt")
        return _CB()

_VIDEO_CACHE: dict = {}
_read_frames = lpvideo.read_frames

def cached_read_frames(path, start, stop):
    "The whole video decoded once (uint8), then sliced: same frames as `read_frames`, no repeated decoding."
    if path not in _VIDEO_CACHE: _VIDEO_CACHE[path] = _read_frames(path, 0, lpvideo.video_info(path).n_frames)
    return _VIDEO_CACHE[path][start:stop]

def install_patches(units: bool=True):
    "Unit prototypes (`units`), the decoded-video cache and the per-epoch log; arms with unit 'library' need no unit patch."
    import lightning_pose.losses as lplosses
    import lightning as L
    lpvideo.read_frames = cached_read_frames
    if not units: return
    UnsupervisedLoss.forward = loss_forward
    lplosses.LossFactory.forward = factory_forward
    PoseModule.unsupervised_loss = unsupervised_loss
    PoseModule.training_step = training_step
    orig_init = L.Trainer.__init__
    def init(self, *a, callbacks=None, **kw):
        return orig_init(self, *a, callbacks=list(callbacks or []) + [EpochLog()], **kw)
    L.Trainer.__init__ = init

# ---------------------------------------------------------------------------------------------------------------
# Project, arms, scoring
# ---------------------------------------------------------------------------------------------------------------
def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    return f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} torch threads"

def write_project(data: Path, work: Path, n_heldout: int, seed: int) -> tuple[Path, Path, list[str]]:
    "Project YAMLs for the training pool and for the held-out frames (labels CSVs in `work`, images in `data`)."
    lines = (data/"CollectedData.csv").read_text().splitlines(keepends=True)
    head, rows = lines[:3], lines[3:]
    ho = set(np.random.default_rng(seed).permutation(len(rows))[:n_heldout].tolist())
    names = [r.split(",", 1)[0] for i, r in enumerate(rows) if i in ho]
    out = []
    for tag, keep in (("train_pool", lambda i: i not in ho), ("heldout", lambda i: i in ho)):
        csv = work/f"{tag}.csv"
        csv.write_text("".join(head + [r for i, r in enumerate(rows) if keep(i)]))
        y = work/f"{tag}.yaml"
        y.write_text(yaml.safe_dump({"data": {"data_dir": str(data), "csv_file": str(csv), "video_dir": str(data/"videos"),
            "view_links": VIEW_LINKS, "camera_names": ["top", "bot"], "pca_keypoints": PCA_KEYPOINTS}}))
        out.append(y)
    return out[0], out[1], names

def arm_overrides(arm: dict, args) -> list[str]:
    "Config overrides of an arm (on top of the base protocol)."
    ov = list(arm.get("overrides", []))
    losses = arm.get("losses", [])
    if not losses: return ov
    E = args.epochs
    ov.append(f"losses.unsupervised=[{','.join(losses)}]")
    s = {}
    for n in losses:
        w = arm.get("weights", {}).get(n, arm.get("weight"))
        d = {} if w is None else {"weight": w}
        if n == "temporal" and arm.get("temporal_eps") is not None: d["epsilon"] = arm["temporal_eps"]
        if arm.get("prob_threshold") is not None: d["prob_threshold"] = arm["prob_threshold"]
        if d: s[n] = d
    if s: ov.append(f"losses.settings={json.dumps(s)}")
    if "warmup" in arm: ov.append(f"losses.warmup_epochs={round(arm['warmup'] * E)}")
    if "ramp" in arm: ov.append(f"losses.ramp_epochs={round(arm['ramp'] * E)}")
    ov.append(f"losses.clip_length={arm.get('clip', args.clip)}")
    if "batchnorm" in arm: ov.append(f"losses.batchnorm={arm['batchnorm']}")
    ov.append("losses.video_backend=cpu")
    return ov

@torch.no_grad()
def heldout_errors(model_dir: Path, heldout_yaml: Path) -> np.ndarray:
    "Per-keypoint pixel errors (n_frames, K) of a checkpoint (model dir: the best) on the held-out frames, original pixels, NaN = unlabeled."
    module = load_model(model_dir, "cpu")
    ds = LabeledFrames(load_config(heldout_yaml, [f"data.image_resize_height={module.image_hw[0]}",
                                                  f"data.image_resize_width={module.image_hw[1]}"]), augment=False)
    errs = []
    for b in torch.utils.data.DataLoader(ds, batch_size=16):
        pred = module.decode(module(b["images"].contiguous(memory_format=torch.channels_last)))
        xy = invert_keypoints(pred["keypoints"], b["transform"].to(pred["keypoints"]))
        errs.append((xy - b["keypoints_orig"]).norm(dim=-1).numpy())
    return np.concatenate(errs)

def run_one(name: str, arm: dict, seed: int, args, pool_yaml: Path, heldout_yaml: Path) -> dict:
    PATCH["unit"], PATCH["joint"], PATCH["bn_nostats"] = arm.get("unit", "current"), arm.get("joint", False), arm.get("bn_nostats", False)
    base = demo_overrides(args.epochs, args.size) + [f"training.batch_size={args.batch}", f"training.seed={seed}",
                                                     "training.train_frac=0.9", "training.val_frac=0.1"]
    ov = base + arm_overrides(arm, args)
    md = Path(args.work)/f"{name}_s{seed}"
    if md.exists(): shutil.rmtree(md)
    t0 = time.time()
    md = train(load_config(pool_yaml, ov), md, progress=False)
    wall = time.time() - t0
    err = heldout_errors(md, heldout_yaml)
    e = err[np.isfinite(err)]
    last = md/"last.ckpt"
    el = (lambda x: x[np.isfinite(x)])(heldout_errors(last, heldout_yaml)) if last.exists() else e
    summ = json.loads((md/"summary.json").read_text())
    r = dict(arm=name, seed=seed, mean=float(e.mean()), median=float(np.median(e)), p90=float(np.percentile(e, 90)),
             n=int(e.size), last_mean=float(el.mean()), last_median=float(np.median(el)), val=summ["pixel_error"].get("val"), wall_s=round(wall, 1), best=summ["best_checkpoint"],
             epochs=args.epochs, size=args.size, batch=args.batch, spec=arm, overrides=ov[len(base):],
             errors=[[round(float(v), 3) if np.isfinite(v) else None for v in row] for row in err])   # (n_heldout, K) per-keypoint errors, NaN = unlabeled: frame-level pairing
    if not args.keep: shutil.rmtree(md)
    return r

def report(results: list[dict], arms: list[str]|None=None):
    "Per-seed and aggregate table, and paired differences against the first arm present (usually supervised)."
    arms = arms or list(dict.fromkeys(r["arm"] for r in results))
    by = {(r["arm"], r["seed"]): r for r in results}
    seeds = sorted({r["seed"] for r in results})
    print("| arm | settings | per-seed held-out mean/median px | mean px (avg over seeds) | median px | last ckpt: mean / median px | wall s / run |")
    print("|---|---|---|---|---|---|---|")
    for a in arms:
        rs = [by[(a, s)] for s in seeds if (a, s) in by]
        if not rs: continue
        per = ", ".join(f"{r['seed']}: {r['mean']:.2f}/{r['median']:.2f}" for r in rs)
        print(f"| {a} | {' '.join(rs[0]['overrides']) or '-'} {json.dumps({k: v for k, v in rs[0]['spec'].items() if k not in ('losses', 'overrides')}) if rs[0]['spec'] else ''} "
              f"| {per} | {np.mean([r['mean'] for r in rs]):.2f} | {np.mean([r['median'] for r in rs]):.2f} | "
              f"{np.nanmean([r.get('last_mean', np.nan) for r in rs]):.2f} / {np.nanmean([r.get('last_median', np.nan) for r in rs]):.2f} | {np.mean([r['wall_s'] for r in rs]):.0f} |")
    ref = next((a for a in arms if a == "supervised"), arms[0])
    print(f"\npaired difference (arm - {ref}) over seeds, held-out px: mean +- SE | median +- SE | seeds | arm lower on")
    for a in arms:
        if a == ref: continue
        ss = [s for s in seeds if (a, s) in by and (ref, s) in by]
        if not ss: continue
        for stat in ("mean", "median", "last_mean", "last_median"):
            if not all(stat in by[(x, s)] for x in (a, ref) for s in ss): continue
            d = np.array([by[(a, s)][stat] - by[(ref, s)][stat] for s in ss])
            se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
            print(f"  {a:28s} {stat:11s} {d.mean():+.2f} +- {se:.2f} px  (n={len(d)}, lower on {int((d < 0).sum())})")

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arms", nargs="+", default=["supervised", "semi-hm"])
    p.add_argument("--define", nargs="*", default=[], metavar="NAME=JSON", help="extra arms, e.g. 'x={\"losses\": [\"pca_multiview\"], \"unit\": \"hm\"}'")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--size", type=int, default=128, help="network input height = width")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--clip", type=int, default=8, help="unlabeled frames per step (an arm's `clip` wins)")
    p.add_argument("--heldout", type=int, default=20)
    p.add_argument("--heldout-seed", type=int, default=1234)
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    shared = next((d for d in (ROOT.parent/"shared", ROOT.parent.parent/"shared") if d.is_dir()), ROOT.parent/"shared")
    p.add_argument("--data", default=str(shared/"data"/"mirror-mouse-example"))
    p.add_argument("--work", default=None, help="working folder (default: a new temporary folder)")
    p.add_argument("--keep", action="store_true", help="keep the model directories")
    p.add_argument("--report", help="print the table of a results.jsonl and exit")
    args = p.parse_args()
    for d in args.define:
        k, v = d.split("=", 1); ARMS[k] = json.loads(v)
    if args.report:
        report([json.loads(l) for l in open(args.report)], None if args.arms == p.get_default("arms") else args.arms); return
    torch.set_num_threads(args.threads)
    patched = [a for a in args.arms if a in ARMS and ARMS[a].get("losses") and ARMS[a].get("unit", "current") != "library"]
    library = [a for a in args.arms if a in ARMS and ARMS[a].get("losses") and ARMS[a].get("unit", "current") == "library"]
    if patched and library: p.error(f"arms {library} run the library as it is, {patched} patch its units: run them in separate invocations (the same --work)")
    install_patches(units=bool(patched))   # arms without unsupervised losses need no unit patch
    import logging; logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    lp = logging.getLogger("lightning_pose"); lp.addHandler(logging.StreamHandler(sys.stdout)); lp.setLevel(logging.INFO)   # loss-term sizes
    import warnings
    for m in (".*does not have many workers.*", ".*LeafSpec.*"): warnings.filterwarnings("ignore", m)
    unknown = [a for a in args.arms if a not in ARMS]
    if unknown: p.error(f"unknown arms {unknown}; known: {sorted(ARMS)}")
    work = Path(args.work or tempfile.mkdtemp(prefix="litpose-real-")); work.mkdir(parents=True, exist_ok=True); args.work = str(work)
    data = Path(args.data).resolve()
    pool, heldout, names = write_project(data, work, args.heldout, args.heldout_seed)
    print(f"command: {' '.join(sys.argv)}\nmachine: {machine()}\ndata: {data}\nheld-out frames ({len(names)}): {' '.join(Path(n).stem for n in names)}\n"
          f"protocol: resnet18 random init, {args.size} x {args.size}, batch {args.batch}, {args.epochs} epochs, train/val 90/10 of "
          f"the other frames by training.seed; arms: " + "; ".join(f"{a} = {json.dumps(ARMS[a])}" for a in args.arms), flush=True)
    out = work/"results.jsonl"
    results = [json.loads(l) for l in open(out)] if out.exists() else []
    for seed in args.seeds:
        for a in args.arms:
            if any(r["arm"] == a and r["seed"] == seed and r["epochs"] == args.epochs and r["size"] == args.size for r in results):
                continue
            print(f"[{time.strftime('%H:%M:%S')}] seed {seed} arm {a}", flush=True)
            r = run_one(a, ARMS[a], seed, args, pool, heldout)
            results.append(r)
            with open(out, "a") as f: f.write(json.dumps(r) + "\n")
            print(f"  -> held-out mean {r['mean']:.2f} px, median {r['median']:.2f}, p90 {r['p90']:.2f}, val {r['val']}, "
                  f"last checkpoint: mean {r['last_mean']:.2f} median {r['last_median']:.2f}, "
                  f"{r['wall_s']:.0f} s", flush=True)
    print()
    report([r for r in results if r["epochs"] == args.epochs and r["size"] == args.size], args.arms)

if __name__ == "__main__":
    main()
