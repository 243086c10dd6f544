"""Does unlabeled video help? Supervised vs semi-supervised training with the same budget.

    python benchmarks/semi_supervised.py synthetic [--seeds 0 1 2] [--epochs 40] [--labels 20] [--unlabeled train|all]
                                                   [--cameras mirrored|separate] [--shift 1.0]
    python benchmarks/semi_supervised.py mirror-mouse [--epochs 40] [--data ../shared/data/mirror-mouse-example]

synthetic: for each seed, a `small` synthetic two-view project (128 x 128 frames, 4 videos x 200 frames) with
`--labels` labeled frames; both models train for the same epochs (each at least 10 labeled batches:
`training.min_steps_per_epoch`) on the same labels; the semi-supervised one
also sees unlabeled clips (temporal + multi-view PCA + Pose PCA losses) of the three training videos
(`--unlabeled train`) or of those and the held-out video (`--unlabeled all`: the usual use, training on the videos
to be analysed; the truth is never seen). Both predict the held-out fourth video, scored against the synthetic
truth: mean error, its 95th percentile over keypoint-frames, and the fraction of keypoint-frames off by > 5 px,
and the constraint violations of the predictions (mean penalty beyond epsilon / fraction violating, with the
semi-supervised model's losses). `--cameras separate` films the same scenes with two cameras (one video and labels
file per view, 64 x 128 frames each) and trains one network on both, the multi-view loss linking the cameras.
`--shift S` films the held-out video in a new-looking session (`Appearance.shifted(S)`: darker fur, other light):
the out-of-distribution test of the paper, where labels from the training sessions say least.

mirror-mouse: the paper's two-view mouse (70 labeled frames, 17 keypoints) with videos/test_vid.mp4 as the
unlabeled video; reports the test-split pixel error and, on every frame of the video, the per-frame
violations of each constraint (mean penalty beyond epsilon, and the fraction of keypoint-frames violating).
"""
import argparse, json, os, platform, shutil, sys, tempfile, time
from pathlib import Path

import numpy as np
import torch
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from lightning_pose.config import load_config, keypoint_spec, unsupervised_spec
from lightning_pose.data import LabeledDataModule
from lightning_pose.demo import demo_overrides, semi_supervised_overrides
from lightning_pose.io import pose_array, read_pose_csv
from lightning_pose.losses import LossFactory
from lightning_pose.predict import predict_video
from lightning_pose.synthetic import make_toy_project
from lightning_pose.train import train

def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{cpu}, {os.cpu_count()} cores, {gpu}, torch {torch.__version__}, {torch.get_num_threads()} threads"

def held_out(md: Path, proj, v: int, factory: LossFactory):
    """Errors (n_frames, 14) and visibility on held-out video v (views or cameras side by side, top first), and the
    constraint violations of the predictions: {loss: (mean penalty beyond epsilon, fraction of keypoint-frames violating)}."""
    pairs = [(proj.videos[v], proj.truth[v])] if proj.cameras is None else [(proj.videos[v][c], proj.truth[v][c]) for c in proj.cameras]
    errs, vis, xys, confs = [], [], [], []
    for video, truth_csv in pairs:
        pred = read_pose_csv(predict_video(md, video, progress=False), require=("x", "y", "likelihood"))
        t = read_pose_csv(truth_csv, require=("x", "y", "visible"))
        errs.append(np.linalg.norm(pose_array(pred) - pose_array(t), axis=-1)); vis.append(pose_array(t, "visible") > 0.5)
        xys.append(pose_array(pred)); confs.append(pose_array(pred, "likelihood"))
    pen = factory.penalties(torch.tensor(np.concatenate(xys, 1)), torch.tensor(np.concatenate(confs, 1)))
    return np.concatenate(errs, 1), np.concatenate(vis, 1), {k: (float(x.mean()), float((x > 0).float().mean())) for k, x in pen.items()}

LOSS_NAMES = ("temporal", "pca_multiview", "pca_singleview")

def synthetic(args):
    rows = []
    sep = args.cameras == "separate"
    for seed in args.seeds:
        work = Path(args.work)/f"toy{seed}"
        if work.exists(): shutil.rmtree(work)
        proj = make_toy_project(work/"project", "small", seed=seed, n_labeled=args.labels, cameras=args.cameras,
                                heldout_shift=args.shift)
        base = demo_overrides(args.epochs, 128) + [f"training.seed={seed}", "training.train_frac=0.9", "training.val_frac=0.1"]
        if sep: base.append("data.image_resize_height=64")           # each camera sees half the frame: 64 x 128
        v = proj.heldout[0]
        if args.unlabeled == "all":                     # training videos + the held-out one, through links
            vdir = work/"unlabeled"; vdir.mkdir()
            for f in (f for x in proj.videos for f in (x.values() if sep else [x])):
                (vdir/f.name).symlink_to(f.resolve())
            base.append(f"data.video_dir={vdir}")
        # Pose PCA needs 2K complete training frames: bottom view (mirrored), or tail and nose in both cameras (separate)
        pca_kps = [4, 5, 6] if sep else list(range(7, 14))
        semi = semi_supervised_overrides(5.0, pca_kps, args.weight, args.clip) + [f"losses.unsupervised=[{','.join(args.losses)}]",
                                                                                  f"losses.batchnorm={args.batchnorm}"]
        cfg_semi = load_config(proj.config, base + semi)
        dm = LabeledDataModule(cfg_semi); dm.setup()
        cfg_all = load_config(proj.config, base + semi + [f"losses.unsupervised=[{','.join(LOSS_NAMES)}]"])
        factory = LossFactory(cfg_all.losses, dm.train_set.labels(), *unsupervised_spec(cfg_all))  # violations of all three
        for name, extra in (("supervised", []), ("semi-supervised", semi)):
            md = train(load_config(proj.config, base + extra), work/name, progress=False)
            fit = json.loads((md/"summary.json").read_text())["fit_seconds"]
            err, vis, viol = held_out(md, proj, v, factory)
            rows.append((seed, name, err.mean(), np.percentile(err, 95), (err > 5).mean(), err[vis].mean(), err[~vis].mean(),
                         err[:, :7].mean(), err[:, 7:].mean(), viol, fit))
            r = rows[-1]
            print(f"seed {seed} {name:16s} all {r[2]:.3f} px  p95 {r[3]:.3f}  >5px {r[4]:.4f}  visible {r[5]:.3f}  "
                  f"hidden {r[6]:.3f}  top {r[7]:.3f}  bottom {r[8]:.3f}  violations "
                  + " ".join(f"{k} {viol[k][0]:.3f}/{viol[k][1]:.3f}" for k in LOSS_NAMES) + f"  fit {fit:.0f} s", flush=True)
    print(f"\n{args.cameras} two-view project, {args.labels} labels, held-out session shift {args.shift}, "
          f"unlabeled videos: {args.unlabeled}, {args.epochs} epochs, "
          f"losses {'+'.join(args.losses)}, weight {args.weight}, batchnorm on clips: {args.batchnorm}")
    print("| seed | training | held-out px error (all) | 95th pct | frac > 5 px | visible | hidden | top view | bottom view "
          "| temporal viol. | multi-view viol. | Pose PCA viol. | fit s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]:.2f} | {r[3]:.2f} | {r[4]:.4f} | {r[5]:.2f} | {r[6]:.2f} | {r[7]:.2f} | {r[8]:.2f} | "
              + " | ".join(f"{r[9][k][0]:.3f} / {r[9][k][1]:.3f}" for k in LOSS_NAMES) + f" | {r[10]:.0f} |")
    for name in ("supervised", "semi-supervised"):
        a = np.array([r[2:5] for r in rows if r[1] == name])
        m, sd = a.mean(0), a.std(0)
        vm = {k: np.mean([r[9][k][0] for r in rows if r[1] == name]) for k in LOSS_NAMES}
        print(f"| mean | {name} | {m[0]:.2f} +- {sd[0]:.2f} | {m[1]:.2f} +- {sd[1]:.2f} | {m[2]:.4f} +- {sd[2]:.4f} | | | | | "
              + " | ".join(f"{vm[k]:.3f}" for k in LOSS_NAMES) + " | |")
    for col, what in ((2, "all keypoints"), (6, "hidden keypoints")):
        sup, semi_ = (np.array([r[col] for r in rows if r[1] == n]) for n in ("supervised", "semi-supervised"))
        d = semi_ - sup
        se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
        print(f"{what}: semi-supervised lower on {int((d < 0).sum())} of {len(d)} seeds; mean paired difference "
              f"{d.mean():+.3f} px +- {se:.3f} (standard error), {100*(d/sup).mean():+.1f}%")

def mirror_mouse(args):
    data = Path(args.data).resolve()
    work = Path(args.work)/"mirror"; work.mkdir(parents=True, exist_ok=True)
    cfg_file = work/"project.yaml"
    cfg_file.write_text(yaml.safe_dump({"data": {"data_dir": str(data), "csv_file": "CollectedData.csv", "video_dir": "videos",
        "view_links": [list(range(7)), list(range(8, 15))], "camera_names": ["top", "bot"],
        "pca_keypoints": list(range(7)) + list(range(8, 15))}}))
    video = data/"videos"/"test_vid.mp4"
    base = demo_overrides(args.epochs, 128) + ["training.train_frac=0.8", "training.val_frac=0.1", "training.seed=0"]
    semi = semi_supervised_overrides(20.0, None, args.weight, args.clip) + ["losses.video_backend=cpu", f"losses.batchnorm={args.batchnorm}"]
    cfg_semi = load_config(cfg_file, base + semi)                  # all three losses: the violations reported
    semi = semi + [f"losses.unsupervised=[{','.join(args.losses)}]"]
    labels = pose_array(read_pose_csv(data/"CollectedData.csv"))
    from lightning_pose.data import split_indices
    tr = split_indices(len(labels), 0.8, 0.1, 0)["train"]
    factory = LossFactory(cfg_semi.losses, labels[tr], keypoint_spec(cfg_semi), cfg_semi.data.pca_keypoints)
    rows = []
    for name, extra in (("supervised", []), ("semi-supervised", semi)):
        md = work/name
        if md.exists(): shutil.rmtree(md)
        md = train(load_config(cfg_file, base + extra), md, progress=False)
        summ = json.loads((md/"summary.json").read_text())
        csv = predict_video(md, video, progress=False)
        pred = read_pose_csv(csv, require=("x", "y", "likelihood"))
        pen = factory.penalties(torch.tensor(pose_array(pred)), torch.tensor(pose_array(pred, "likelihood")))
        viol = {k: (float(v.mean()), float((v > 0).float().mean())) for k, v in pen.items()}
        rows.append((name, summ["pixel_error"]["test"], summ["pixel_error"]["val"], viol, summ["fit_seconds"]))
        print(name, rows[-1], flush=True)
    print("\n| training | test px error | val px error | temporal: mean penalty px / frac violating | multi-view PCA | Pose PCA | fit s |")
    print("|---|---|---|---|---|---|---|")
    for n, te, va, v, fit in rows:
        cells = " | ".join(f"{v[k][0]:.2f} / {v[k][1]:.3f}" for k in ("temporal", "pca_multiview", "pca_singleview"))
        print(f"| {n} | {te:.2f} | {va:.2f} | {cells} | {fit:.0f} |")

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("which", choices=["synthetic", "mirror-mouse"])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--labels", type=int, default=20)
    p.add_argument("--weight", type=float, default=1e-4, help="weight of each unsupervised loss")
    p.add_argument("--clip", type=int, default=16, help="unlabeled frames per step")
    p.add_argument("--losses", nargs="+", default=list(LOSS_NAMES), choices=list(LOSS_NAMES),
                   help="synthetic: the unsupervised losses of the semi-supervised model")
    p.add_argument("--batchnorm", choices=["batch", "running"], default="running", help="BatchNorm statistics on unlabeled clips")
    p.add_argument("--cameras", choices=["mirrored", "separate"], default="mirrored",
                   help="synthetic: both views in one frame, or each view filmed by its own camera")
    p.add_argument("--shift", type=float, default=0.,
                   help="synthetic: the held-out video is a new-looking session, `Appearance.shifted(SHIFT)` (0: same look)")
    p.add_argument("--unlabeled", choices=["train", "all"], default="train",
                   help="synthetic: unlabeled videos = the training videos, or those and the held-out one")
    p.add_argument("--data", default=str(ROOT.parent/"shared"/"data"/"mirror-mouse-example"))
    p.add_argument("--work", default=tempfile.mkdtemp(prefix="litpose-semi-"))
    args = p.parse_args()
    print(f"command: {' '.join(sys.argv)}\nmachine: {machine()}\n", flush=True)
    synthetic(args) if args.which == "synthetic" else mirror_mouse(args)
