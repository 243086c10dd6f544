"""Real ensembles without truth: a leave-one-member-out check of ours (automatic) against the reference
`ensemble-kalman-smoother` 4.6.2 (automatic) and the median of the remaining members.

    python benchmarks/eks_real.py [--data /work/shared/data] [--ref-python /work/venvs/eksref/bin/python] [--folds 0 1 2 3 4]

Data: /work/shared/data/eks (5-member ensembles): mirror-mouse-separate (4 paws, views top and bot; as multicam, as
mirrored with both views in one file, and each view as singlecam; Pose PCA over the 4 paws of a view) and ibl-pupil (4
pupil points; singlecam and pupil). For each fold j, every method smooths the other 4 members; the score is the RMS
distance (px) to member j's own predictions on the frames where member j is confident (likelihood >= 0.9). Member j's
errors are independent of the others', so a method closer to the truth is closer to member j (the distance is inflated
by member j's own error, equally for all methods). No calibrated or asynchronous real data here (no calibration file,
no timestamps).
"""
import argparse, sys, tempfile, time
from pathlib import Path
import numpy as np

HERE = Path(__file__).resolve().parent; REPO = HERE.parent
sys.path.insert(0, str(REPO)); sys.path.insert(0, str(HERE))
from eks_accuracy import machine, read_xy, run_ref, write_members
from lightning_pose.io import KeypointSpec, pose_array, read_pose_csv
from lightning_pose.eks import eks_singlecam, eks_multicam, eks_mirrored, eks_pupil, eks_pose_pca

def load(files):
    "Member CSVs -> xy (m, T, K, 2), likelihood (m, T, K), keypoint names."
    dfs = [read_pose_csv(f, require=("x", "y", "likelihood")) for f in files]
    names = list(dict.fromkeys(dfs[0].columns.get_level_values(1)))
    return np.stack([pose_array(d) for d in dfs]), np.stack([pose_array(d, "likelihood") for d in dfs]), names

def score(est, xy_j, lik_j):
    "RMS distance (px) to the held-out member where it is confident."
    ok = (lik_j >= 0.9) & np.isfinite(est).all(-1) & np.isfinite(xy_j).all(-1)
    return float(np.sqrt(np.mean(np.sum((est - xy_j) ** 2, -1)[ok])))

def mirror_data(data):
    "mirror-mouse-separate as (m, T, V, K, 2) and (m, T, V, K)."
    xs = [load(sorted((data / "mirror-mouse-separate").glob(f"*.{c}.csv"))) for c in ("top", "bot")]
    return np.stack([x[0] for x in xs], 2), np.stack([x[1] for x in xs], 2), xs[0][2]

def cases(data):
    "(name, xy, likelihood, ours(xy, lik) -> est, reference variant, its output reader, file writer kwargs)."
    mx, ml, mn = mirror_data(data); cams = ["top", "bot"]
    flat = [f"{n}_{c}" for c in cams for n in mn]; m, T = mx.shape[:2]
    fx, fl = mx.reshape(m, T, -1, 2), ml.reshape(m, T, -1)
    spec = KeypointSpec.from_suffixes(flat, cams)
    px, pl, pn = load(sorted((data / "ibl-pupil").glob("*.csv")))
    both = lambda o: np.stack([o[c].xy for c in cams], 1)
    return [
        ("mirror-mouse multicam", mx, ml, lambda x, l: both(eks_multicam(x, l, camera_names=cams)), "multicam", mn, cams),
        ("mirror-mouse mirrored", fx, fl, lambda x, l: eks_mirrored(x, l, spec).xy, "mirrored", flat, cams),
        ("mirror-mouse top singlecam", mx[:, :, 0], ml[:, :, 0], lambda x, l: eks_singlecam(x, l).xy, "singlecam", mn, None),
        ("mirror-mouse top Pose PCA", mx[:, :, 0], ml[:, :, 0], lambda x, l: eks_pose_pca(x, l).xy, None, mn, None),
        ("ibl-pupil singlecam", px, pl, lambda x, l: eks_singlecam(x, l).xy, "singlecam", pn, None),
        ("ibl-pupil pupil", px, pl, lambda x, l: eks_pupil(x, l, pn).xy, "pupil", pn, None)]

def reference(py, variant, x, l, names, cams, tmp):
    "The reference on the members x, l (written as CSVs); its estimate in the same layout, or None."
    files = write_members(tmp, x, l, names, cams if variant == "multicam" else None)
    out = tmp / ("out" if variant == "multicam" else "out.csv")
    if variant == "multicam": out.mkdir(exist_ok=True)
    if run_ref(py, variant, out, files, cams) is None: return None
    if variant == "multicam": return np.stack([read_xy(out / f"multicam_{c}_results.csv", names) for c in cams], 1)
    est = read_xy(out, names)
    return est

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/shared/data")
    ap.add_argument("--ref-python", default="/work/venvs/eksref/bin/python")
    ap.add_argument("--skip-ref", action="store_true")
    ap.add_argument("--folds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="held-out members")
    a = ap.parse_args()
    print(machine(), flush=True)
    py = None if a.skip_ref else a.ref_python
    rows = []
    for name, xy, lik, ours, variant, names, cams in cases(Path(a.data) / "eks"):
        res = {"ours (automatic)": [], "reference (automatic)": [], "median of the others": []}
        t0 = time.time()
        for j in a.folds:
            keep = [i for i in range(len(xy)) if i != j]; x, l = xy[keep], lik[keep]
            tmp = Path(tempfile.mkdtemp(prefix=f"eks_real_{j}_"))
            ref = reference(py, variant, x, l, names, cams, tmp) if variant else None
            if ref is not None and variant == "pupil":
                alt = ref[:, [0, 2, 1, 3]]                       # it swaps two columns' labels
                if score(alt, xy[j], lik[j]) < score(ref, xy[j], lik[j]): ref = alt
            for k, est in [("ours (automatic)", ours(x, l)), ("reference (automatic)", ref), ("median of the others", np.median(x, 0))]:
                res[k].append(score(est, xy[j], lik[j]) if est is not None else np.nan)
        print(f"{name} done in {time.time() - t0:.0f} s", flush=True)
        rows += [(name, k, np.array(v)) for k, v in res.items()]
    print(f"\nleave-one-member-out: RMS px to the held-out member where it is confident (likelihood >= 0.9); folds {a.folds}")
    print(f"{'data / variant':28s} {'method':24s} {'mean':>7s}   per fold")
    for name, k, v in rows:
        if np.isnan(v).all(): print(f"{name:28s} {k:24s} {'n/a':>7s}   [no such path]"); continue
        print(f"{name:28s} {k:24s} {np.mean(v):7.3f}   [{', '.join(f'{x:.3f}' for x in v)}]")
    print("at the end: " + machine().splitlines()[-1])

if __name__ == "__main__": main()
