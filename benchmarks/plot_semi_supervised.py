"""Figure of a finished `semi_supervised.py synthetic` run: held-out error per seed, supervised vs semi-supervised,
a held-out frame with both models' predictions, and the trace of the keypoint the supervised model gets most wrong.

    python benchmarks/plot_semi_supervised.py WORK_DIR --output semi_supervised.png

WORK_DIR is the benchmark's `--work` folder (it keeps `toy<seed>/{project,supervised,semi-supervised}`).
"""
import argparse, sys
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from lightning_pose.io import keypoint_names, pose_array, read_pose_csv
from lightning_pose.videoio import read_video

MODELS = ("supervised", "semi-supervised")
COLOURS = {"supervised": "C3", "semi-supervised": "C0"}

def load_seed(toy: Path) -> dict:
    "Truth, visibility and both models' predictions on the held-out video of one seed's project."
    video = sorted((toy/"project"/"videos_test").glob("*.mp4"))[0]
    truth = read_pose_csv(toy/"project"/"truth"/f"{video.stem}.csv", require=("x", "y", "visible"))
    out = {"video": video, "truth": pose_array(truth), "visible": pose_array(truth, "visible") > 0.5,
           "names": keypoint_names(truth)}
    for m in MODELS:
        out[m] = pose_array(read_pose_csv(toy/m/"video_preds"/f"{video.stem}.csv", require=("x", "y", "likelihood")))
    return out

def plot(work: Path):
    seeds = sorted(work.glob("toy*"), key=lambda p: int(p.name[3:]))
    runs = {int(p.name[3:]): load_seed(p) for p in seeds if all((p/m/"video_preds").exists() for m in MODELS)}
    if not runs: raise FileNotFoundError(f"{work}: no finished seeds (toy<seed>/<model>/video_preds)")
    err = {s: {m: np.linalg.norm(r[m] - r["truth"], axis=-1) for m in MODELS} for s, r in runs.items()}
    s0 = min(runs); r = runs[s0]
    k = int(err[s0]["supervised"].mean(0).argmax())                    # keypoint the supervised model gets most wrong
    t = int((err[s0]["supervised"][:, k] - err[s0]["semi-supervised"][:, k]).argmax())
    fig, axs = plt.subplots(1, 3, figsize=(13, 3.8), layout="constrained", gridspec_kw=dict(width_ratios=[1, 0.8, 1.6]))
    ax = axs[0]
    ax.imshow(read_video(r["video"])[t]); ax.axis("off")
    ax.scatter(*r["truth"][t].T, s=40, facecolors="none", edgecolors="w", linewidths=1, label="truth")
    for m in MODELS: ax.scatter(*r[m][t].T, s=30, c=COLOURS[m], marker="+", linewidths=1.2, label=m)
    ax.set_title(f"held-out session, seed {s0}, frame {t}", fontsize=9); ax.legend(fontsize=7, loc="lower left")
    ax = axs[1]
    ys = np.array([[err[s][m].mean() for m in MODELS] for s in runs])     # (n_seeds, 2)
    for y in ys: ax.plot([0, 1], y, "o-", color="0.6", lw=1)
    ax.plot([0, 1], ys.mean(0), "s-", color="k", lw=2, label=f"mean of {len(ys)} seeds")
    ax.set(xticks=[0, 1], xticklabels=MODELS, xlim=(-0.3, 1.3), ylabel="mean px error, held-out video",
           title="same labels, same steps (one line per seed)", ylim=(0, None)); ax.legend(fontsize=7)
    ax = axs[2]
    ax.plot(r["truth"][:, k, 0], color="0.6", lw=3, label="truth x")
    for m in MODELS: ax.plot(r[m][:, k, 0], color=COLOURS[m], lw=1, label=m)
    for i in np.flatnonzero(~r["visible"][:, k]): ax.axvspan(i - 0.5, i + 0.5, color="r", alpha=0.1, lw=0)
    ax.axvline(t, color="k", lw=0.5, ls=":")
    ax.set(xlabel="frame", ylabel="x, px", title=f"{r['names'][k]} (red: hidden)"); ax.legend(fontsize=7, ncol=3)
    return fig

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("work", type=Path)
    p.add_argument("--output", type=Path, default=Path("semi_supervised.png"))
    a = p.parse_args()
    if a.output.exists(): sys.exit(f"{a.output} exists; remove it first")
    plot(a.work).savefig(a.output, dpi=110)
    print(f"figure: {a.output}")
