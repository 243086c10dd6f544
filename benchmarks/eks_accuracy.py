"""Accuracy against known truth: ensemble median, our EKS variants and the reference `ensemble-kalman-smoother`.

    python benchmarks/eks_accuracy.py [--ref-python /work/venv-eks-ref/bin/python] [--frames 2000]

Synthetic 5-member ensembles (`lightning_pose.synthetic.ensembles.synthetic_ensemble`) with occlusion bursts and members that
swap keypoints, written as CSVs; both packages smooth the same files with automatic smoothing and their default
settings. RMSE in pixels against truth over all frames, and on swapped (confident-mistake) frames.
"""
import argparse, os, subprocess, sys, tempfile, json
from pathlib import Path
import numpy as np

HERE = Path(__file__).resolve().parent; REPO = HERE.parent
sys.path.insert(0, str(REPO))
from lightning_pose.synthetic.ensembles import synthetic_ensemble
from lightning_pose.eks.ensemble import ensemble_stats
from lightning_pose.eks.singlecam import eks_singlecam
from lightning_pose.eks.multicam import eks_multicam
from lightning_pose.eks.pupil import eks_pupil, pupil_matrix, pupil_roles
from lightning_pose.io import pose_df, write_pose_csv, read_pose_csv, pose_array

def ref(py, variant, out, files, cams=None):
    if not Path(py).is_file(): print(f"reference skipped: no interpreter {py}"); return False
    cmd = [py, str(HERE / "_eks_worker.py"), "ref", variant, str(out), *map(str, files)] + (["--cameras", *cams] if cams else [])
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode: print("reference failed:", p.stderr.strip().splitlines()[-1:]); return False
    return True

def ref_xy(path, names):
    import pandas as pd
    df = pd.read_csv(path, header=[0, 1, 2], index_col=0)
    return np.stack([df.xs((n, c), axis=1, level=(1, 2)).to_numpy()[:, 0] for n in names for c in "xy"], -1).reshape(len(df), len(names), 2)

def rmse(a, b, mask=None):
    e = np.sum((a - b) ** 2, -1)
    return float(np.sqrt(np.mean(e if mask is None else e[mask]))) if (mask is None or mask.any()) else float("nan")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref-python", default="/work/venv-eks-ref/bin/python")
    ap.add_argument("--frames", type=int, default=2000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0], help="simulation seeds; the table averages over them")
    a = ap.parse_args()
    allrows = [run_seed(a, k) for k in a.seeds]
    print(f"\n{a.frames} frames, 5 members, seeds {a.seeds}; RMSE (px) against truth, mean over seeds (per seed in brackets)")
    print(f"{'data':10s} {'method':42s} {'all frames':>11s} {'swapped':>8s}   per seed")
    for i, r in enumerate(allrows[0]):
        vals = [rows[i][2] for rows in allrows]; sw = [rows[i][3] for rows in allrows]
        print(f"{r[0]:10s} {r[1]:42s} {np.mean(vals):11.3f} {np.mean(sw):8.2f}   [" + ", ".join(f"{v:.3f}" for v in vals) + "]")

def run_seed(a, k):
    T = a.frames
    tmp = Path(tempfile.mkdtemp(prefix="eks_acc_"))
    rows = []
    # single camera: 6 keypoints, occlusions and swaps by 3 of 5 members
    se = synthetic_ensemble(T, n_keypoints=6, occlusion_rate=0.005, swap_rate=0.002, n_swappers=3, seed=11 + 100 * k)
    names = [f"kp{k}" for k in range(6)]
    files = [write_pose_csv(pose_df(se.xy[i, :, 0], names, likelihood=se.likelihood[i, :, 0]), tmp / "single" / f"m.rng={i}.csv") for i in range(5)]
    tr, sw = se.truth[:, 0], se.swapped[:, 0]
    res = {"ensemble median": ensemble_stats(se.xy[:, :, 0], se.likelihood[:, :, 0]).center,
           "ours EKS": eks_singlecam(se.xy[:, :, 0], se.likelihood[:, :, 0]).xy,
           "ours EKS (confidence var)": eks_singlecam(se.xy[:, :, 0], se.likelihood[:, :, 0], var_mode="confidence").xy,
           "ours robust EKS": eks_singlecam(se.xy[:, :, 0], se.likelihood[:, :, 0], robust=True).xy}
    if ref(a.ref_python, "singlecam", tmp / "ref_single.csv", files): res["reference EKS"] = ref_xy(tmp / "ref_single.csv", names)
    rows += [("singlecam", k, rmse(v, tr), rmse(v, tr, sw)) for k, v in res.items()]
    # multi-camera: 2 views x 4 parts, separate files per camera; confident swaps (5 of 5) in one view at a time
    se = synthetic_ensemble(T, n_keypoints=4, n_views=2, occlusion_rate=0.005, swap_rate=0.002, n_swappers=5, seed=12 + 100 * k)
    names = [f"paw{k}" for k in range(4)]; cams = ["top", "bot"]
    files = [write_pose_csv(pose_df(se.xy[i, :, v], names, likelihood=se.likelihood[i, :, v]), tmp / "multi" / f"m.rng={i}.{c}.csv")
             for i in range(5) for v, c in enumerate(cams)]
    tr, sw = se.truth, se.swapped
    g = eks_multicam(se.xy, se.likelihood, camera_names=cams); rb = eks_multicam(se.xy, se.likelihood, camera_names=cams, robust=True)
    res = {"ensemble median": ensemble_stats(se.xy, se.likelihood).center,
           "ours single-camera EKS": np.stack([eks_singlecam(se.xy[:, :, v], se.likelihood[:, :, v]).xy for v in range(2)], 1),
           "ours EKS": np.stack([g[c].xy for c in cams], 1), "ours robust EKS": np.stack([rb[c].xy for c in cams], 1)}
    (tmp / "ref_multi").mkdir()
    if ref(a.ref_python, "multicam", tmp / "ref_multi", files, cams):
        outs = sorted((tmp / "ref_multi").glob("*.csv"))
        res["reference EKS"] = np.stack([ref_xy(next(f for f in outs if c in f.name), names) for c in cams], 1)
    rows += [("multicam", k, rmse(v, tr), rmse(v, tr, sw)) for k, v in res.items()]
    # pupil
    rng = np.random.default_rng(13 + 100 * k)
    d = 20 + np.convolve(rng.normal(size=T + 99), np.ones(100) / 10, "valid")
    cx, cy = 50 + np.cumsum(rng.normal(0, .3, T)), 50 + np.cumsum(rng.normal(0, .3, T))
    names = ["pupil_top_r", "pupil_right_r", "pupil_bottom_r", "pupil_left_r"]
    B = pupil_matrix(pupil_roles(names))
    tr = (np.stack([d, cx, cy], 1) @ B.T).reshape(T, 4, 2)
    occl = rng.uniform(size=(T, 4)) < 0.05
    xy = tr + rng.normal(size=(5, T, 4, 2)) * np.where(occl, 6., 1.)[None, ..., None]
    lik = np.where(occl, 0.5, 0.95)[None].repeat(5, 0)
    files = [write_pose_csv(pose_df(xy[i], names, likelihood=lik[i]), tmp / "pupil" / f"p.rng={i}.csv") for i in range(5)]
    res = {"ensemble median": ensemble_stats(xy, lik).center, "ours single-camera EKS": eks_singlecam(xy, lik).xy,
           "ours pupil EKS": eks_pupil(xy, lik, names).xy}
    if ref(a.ref_python, "singlecam", tmp / "ref_pupil_single.csv", files): res["reference single-camera EKS"] = ref_xy(tmp / "ref_pupil_single.csv", names)
    if ref(a.ref_python, "pupil", tmp / "ref_pupil.csv", files):
        rp = ref_xy(tmp / "ref_pupil.csv", names)
        res["reference pupil EKS (as labelled)"] = rp
        res["reference pupil EKS (right/bottom fixed)"] = rp[:, [0, 2, 1, 3]]   # its output swaps these two columns' labels
    rows += [("pupil", k, rmse(v, tr), float("nan")) for k, v in res.items()]
    return rows

if __name__ == "__main__": main()
