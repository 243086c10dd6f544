"""Accuracy of the automatic smoothing against known truth: ours (automatic), ours (oracle fixed), the reference
`ensemble-kalman-smoother` 4.6.2 (automatic) and the ensemble median, for every variant; and the held-back-camera
check of calibrated rigs.

    python benchmarks/eks_accuracy.py [--ref-python /work/venvs/eksref/bin/python] [--seeds 1001 1002 1003]
                                      [--frames 2000] [--regimes switch tight] [--skip-ref]

Data (held-out seeds, never used by the tests): `lightning_pose.synthetic.identity_switch_ensemble` and
`rig_ensemble`, 5 members; in every occlusion burst 2 of 5 members confidently follow the neighbouring keypoint.
Regime `switch`: members scatter in occlusions (errors x8, the median is wrong there), the failure class of issue 14;
regime `tight`: the honest members stay close (errors x2), so the median is right in a burst. Variants: singlecam (4
keypoints), mirrored (2 views x 4 parts in one file), multicam (one file per camera), pupil (4 points with switches
between neighbouring points), async (2 cameras at their own rates; no reference path), calibrated (4 distorted
cameras). The oracle is the best single fixed parameter for all keypoints, found on a grid against the truth.
RMSE in pixels over all frames and keypoints, and over the hard frames (inside occlusion bursts). Both packages read
the same CSVs with their default settings (ours: var_mode confidence, like the reference).
"""
import argparse, json, os, platform, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent; REPO = HERE.parent
sys.path.insert(0, str(REPO))
from lightning_pose.io import pose_df, write_pose_csv, KeypointSpec
from lightning_pose.synthetic.ensembles import (identity_switch_ensemble, member_predictions, plant_identity_switches,
                                                random_bursts)
from lightning_pose.synthetic.rigs import rig_ensemble
from lightning_pose.eks import eks_singlecam, eks_multicam, eks_mirrored, eks_pupil, eks_async, eks_calibrated
from lightning_pose.eks.pupil import pupil_matrix, pupil_roles
from lightning_pose.eks.calibrated import agreement, held_out_camera_check, triangulate_centres
from lightning_pose.eks.ensemble import ensemble_stats
from lightning_pose.cameras import project, write_calibration

SCALE = {"switch": 8., "tight": 2.}
HELD = [None]                          # cameras held back in turn (None: all), set by --held-back-cameras   # members' error inflation inside occlusions, per regime

def rmse(a, b, mask=None):
    e = np.sum((a - b) ** 2, -1); e = e if mask is None else e[mask]
    return float(np.sqrt(np.nanmean(e))) if e.size else float("nan")

def run_ref(py, variant, out, files, cams=None, calib=None):
    "The reference on the same files (subprocess); None when it is unavailable or fails."
    if py is None or not Path(py).is_file(): return None
    cmd = [py, str(HERE / "_eks_worker.py"), "ref", variant, str(out), *map(str, files)]
    cmd += (["--calibration", str(calib)] if calib else []) + (["--cameras", *cams] if cams else [])
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode: print(f"  reference {variant} failed: {p.stderr.strip().splitlines()[-1:]}", flush=True); return None
    return json.loads(p.stdout.strip().splitlines()[-1])["seconds"]

def read_xy(path, names):
    df = pd.read_csv(path, header=[0, 1, 2], index_col=0)
    return np.stack([df.xs((n, c), axis=1, level=(1, 2)).to_numpy()[:, 0] for n in names for c in "xy"], -1).reshape(len(df), len(names), 2)

def write_members(folder, xy, lik, names, cams=None):
    "Member CSVs: xy (m, T, V, K, 2) -> one file per member and camera (cams) or per member (views flattened)."
    files = []
    for i in range(len(xy)):
        if cams is None: files.append(write_pose_csv(pose_df(xy[i], names, likelihood=lik[i]), folder / f"m.rng={i}.csv", overwrite=True))
        else: files += [write_pose_csv(pose_df(xy[i, :, v], names, likelihood=lik[i, :, v]), folder / f"m.rng={i}.{c}.csv", overwrite=True)
                        for v, c in enumerate(cams)]
    return files

def oracle(fn, grid, truth):
    "Best fixed parameter on `grid` against the truth: (its output, the parameter)."
    outs = [fn(g) for g in grid]
    i = int(np.argmin([rmse(o, truth) for o in outs]))
    return outs[i], grid[i]

def rows(name, truth, hard, auto, orc, ref, median, extra=""):
    "One variant's four rows."
    out = []
    for label, v in [("ours (automatic)", auto), (f"ours (oracle fixed{extra})", orc), ("reference (automatic)", ref), ("ensemble median", median)]:
        out.append((name, label, rmse(v, truth) if v is not None else np.nan, rmse(v, truth, hard) if v is not None else np.nan))
    return out

# %% variants on linear cameras
def case_singlecam(seed, T, regime, tmp, py):
    se = identity_switch_ensemble(T, 4, 1, occluded_scale=SCALE[regime], seed=seed)
    xy, lik, tr, hard = se.xy[:, :, 0], se.likelihood[:, :, 0], se.truth[:, 0], se.occluded[:, 0]
    names = [f"kp{k}" for k in range(4)]
    files = write_members(tmp / "single", xy, lik, names)
    ref = read_xy(tmp / "ref_single.csv", names) if run_ref(py, "singlecam", tmp / "ref_single.csv", files) else None
    orc, g = oracle(lambda s: eks_singlecam(xy, lik, s).xy, 10 ** np.linspace(-3, 2, 21), tr)
    return rows("singlecam", tr, hard, eks_singlecam(xy, lik).xy, orc, ref, np.median(xy, 0), f", s={g:.2g}")

def multi_data(seed, T, regime):
    se = identity_switch_ensemble(T, 4, 2, occluded_scale=SCALE[regime], seed=seed)
    return se, [f"paw{k}" for k in range(4)], ["top", "bot"]

def case_multicam(seed, T, regime, tmp, py):
    se, names, cams = multi_data(seed, T, regime)
    files = write_members(tmp / "multi", se.xy, se.likelihood, names, cams)
    (tmp / "ref_multi").mkdir(exist_ok=True)
    ref = None
    if run_ref(py, "multicam", tmp / "ref_multi", files, cams):
        ref = np.stack([read_xy(tmp / "ref_multi" / f"multicam_{c}_results.csv", names) for c in cams], 1)
    both = lambda o: np.stack([o[c].xy for c in cams], 1)
    orc, g = oracle(lambda s: both(eks_multicam(se.xy, se.likelihood, s, camera_names=cams)), 10 ** np.linspace(-3, 1, 17), se.truth)
    return rows("multicam", se.truth, se.occluded, both(eks_multicam(se.xy, se.likelihood, camera_names=cams)), orc, ref,
                np.median(se.xy, 0), f", s={g:.2g}")

def case_mirrored(seed, T, regime, tmp, py):
    se, names, cams = multi_data(seed + 50, T, regime)
    flat = [f"{n}_{c}" for c in cams for n in names]
    xy = se.xy.reshape(len(se.xy), T, 8, 2); lik = se.likelihood.reshape(len(se.xy), T, 8)
    files = write_members(tmp / "mirror", xy, lik, flat)
    ref = read_xy(tmp / "ref_mirror.csv", flat) if run_ref(py, "mirrored", tmp / "ref_mirror.csv", files, cams) else None
    spec = KeypointSpec.from_suffixes(flat, cams); tr = se.truth.reshape(T, 8, 2); hard = se.occluded.reshape(T, 8)
    orc, g = oracle(lambda s: eks_mirrored(xy, lik, spec, s).xy, 10 ** np.linspace(-3, 1, 17), tr)
    return rows("mirrored", tr, hard, eks_mirrored(xy, lik, spec).xy, orc, ref, np.median(xy, 0), f", s={g:.2g}")

PUPIL = ["pupil_top_r", "pupil_right_r", "pupil_bottom_r", "pupil_left_r"]

def pupil_data(seed, T, regime):
    "A pupil (slow diameter, drifting centre) seen by 5 members, with switches between neighbouring points in bursts."
    rng = np.random.default_rng(seed)
    d = 20 + np.convolve(rng.normal(size=T + 99), np.ones(100) / 10, "valid")
    cx, cy = 50 + np.cumsum(rng.normal(0, .3, T)), 50 + np.cumsum(rng.normal(0, .3, T))
    truth = (np.stack([d, cx, cy], 1) @ pupil_matrix(pupil_roles(PUPIL)).T).reshape(T, 1, 4, 2)
    occ = random_bursts(T, 1, 4, 0.005, 20, rng)
    xy, lik = member_predictions(truth, occ, 5, 1., rng, SCALE[regime])
    plant_identity_switches(xy, lik, truth, occ, 2, 1., rng)
    return xy[:, :, 0], lik[:, :, 0], truth[:, 0], occ[:, 0]

def case_pupil(seed, T, regime, tmp, py):
    xy, lik, tr, hard = pupil_data(seed, T, regime)
    files = write_members(tmp / "pupil", xy, lik, PUPIL)
    ref = None
    if run_ref(py, "pupil", tmp / "ref_pupil.csv", files):
        ref = read_xy(tmp / "ref_pupil.csv", PUPIL)
        if rmse(ref[:, [0, 2, 1, 3]], tr) < rmse(ref, tr): ref = ref[:, [0, 2, 1, 3]]   # it swaps two columns' labels
    a = 1 - np.logspace(-3.5, -0.3, 8)
    pairs = [(x, y) for x in a for y in a]
    orc, g = oracle(lambda p: eks_pupil(xy, lik, PUPIL, p).xy, pairs, tr)
    return rows("pupil", tr, hard, eks_pupil(xy, lik, PUPIL).xy, orc, ref, np.median(xy, 0), f", a={g[0]:.3f},{g[1]:.3f}")

def case_async(seed, T, regime, tmp, py):
    "Two cameras sampling a 120 Hz truth at 60 and 40 Hz with jittered clocks (the reference has no such path)."
    se, names, cams = multi_data(seed + 70, T, regime)
    rng = np.random.default_rng(seed)
    frames = [np.arange(0, T, 2), np.arange(1, T, 3)]
    times = [np.sort(f / 120 + rng.uniform(-1e-3, 1e-3, len(f))) for f in frames]
    xs = [se.xy[:, f, v] for v, f in enumerate(frames)]; ls = [se.likelihood[:, f, v] for v, f in enumerate(frames)]
    tr = np.concatenate([se.truth[f, v] for v, f in enumerate(frames)]); hard = np.concatenate([se.occluded[f, v] for v, f in enumerate(frames)])
    cat = lambda o: np.concatenate([o[c].xy for c in cams])
    orc, g = oracle(lambda s: cat(eks_async(xs, times, ls, smooth_param=s, camera_names=cams)), 10 ** np.linspace(-3, 1, 17), tr)
    med = np.concatenate([np.median(x, 0) for x in xs])
    return rows("async", tr, hard, cat(eks_async(xs, times, ls, camera_names=cams)), orc, None, med, f", s={g:.2g}")

# %% calibrated cameras
def case_calibrated(seed, T, regime, tmp, py, checks):
    re = rig_ensemble(T, 3, 4, occluded_scale=SCALE[regime], seed=seed)
    names = ["a", "b", "c"]; cams = [c.name for c in re.cameras]
    files = write_members(tmp / "rig", re.xy, re.likelihood, names, cams)
    calib = re.write_calibration(tmp / "calib.toml"); (tmp / "ref_rig").mkdir(exist_ok=True)
    ref = ref3 = None
    if run_ref(py, "calibrated", tmp / "ref_rig", files, cams, calib):
        ref = np.stack([read_xy(tmp / "ref_rig" / f"multicam_{c}_results.csv", names) for c in cams], 1)
        ref3 = read_xyz(tmp / "ref_rig" / "multicam_3d_results.csv", names)
    both = lambda o: np.stack([o[c].xy for c in cams], 1)
    auto = eks_calibrated(re.xy, re.likelihood, re.cameras)
    orc, g = oracle(lambda s: both(eks_calibrated(re.xy, re.likelihood, re.cameras, s)), 10 ** np.linspace(-3, 1, 17), re.truth)
    out = rows("calibrated", re.truth, re.occluded, both(auto), orc, ref, np.median(re.xy, 0), f", s={g:.2g} mm2")
    tri = triangulate_centres(re.cameras, ensemble_stats(re.xy, re.likelihood))
    hard3 = re.occluded.any(1)
    out += [("calibrated 3D (mm)", lbl, rmse(v, re.truth3d) if v is not None else np.nan, rmse(v, re.truth3d, hard3) if v is not None else np.nan)
            for lbl, v in [("ours (automatic)", auto.points3d), ("reference (automatic)", ref3), ("triangulated medians", tri)]]
    if checks is not None: held_back(re, names, cams, tmp, py, checks, HELD[0])
    return out

def read_xyz(path, names):
    df = pd.read_csv(path, header=[0, 1, 2], index_col=0)
    return np.stack([df.xs((n, c), axis=1, level=(1, 2)).to_numpy()[:, 0] for n in names for c in "xyz"], -1).reshape(len(df), len(names), 3)

def held_back(re, names, cams, tmp, py, checks, n_held=None):
    "For the first n_held cameras (all: None): smooth with the others, compare the 3D result's image with its ensemble median where its members agree."
    for v, cam in enumerate(cams[:n_held]):
        chk = held_out_camera_check(re.xy, re.likelihood, re.cameras, v)
        keep = [c for c in range(len(cams)) if c != v]
        d = tmp / f"held_{cam}"; d.mkdir(exist_ok=True)
        files = write_members(d, re.xy[:, :, keep], re.likelihood[:, :, keep], names, [cams[c] for c in keep])
        calib = write_calibration([re.cameras[c] for c in keep], d / "calib.toml"); (d / "ref").mkdir(exist_ok=True)
        e_ref = np.nan
        if run_ref(py, "calibrated", d / "ref", files, [cams[c] for c in keep], calib):
            e_ref = agreement(re.cameras[v], read_xyz(d / "ref" / "multicam_3d_results.csv", names), re.xy[:, :, v], re.likelihood[:, :, v])[0]
        checks.append((cam, chk.eks, e_ref, chk.triangulated, chk.n_points))

CASES = {"singlecam": case_singlecam, "mirrored": case_mirrored, "multicam": case_multicam, "pupil": case_pupil,
         "async": case_async}

def machine():
    "Command, machine and load, for the table's header."
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    return (f"command: python {' '.join(sys.argv)}\nmachine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, "
            f"python {platform.python_version()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}; load average {load}")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref-python", default="/work/venvs/eksref/bin/python")
    ap.add_argument("--skip-ref", action="store_true")
    ap.add_argument("--frames", type=int, default=2000, help="frames of the linear-camera cases")
    ap.add_argument("--rig-frames", type=int, default=600, help="frames of the calibrated rig")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1001, 1002, 1003])
    ap.add_argument("--regimes", nargs="+", default=["switch", "tight"], choices=list(SCALE))
    ap.add_argument("--variants", nargs="+", default=list(CASES) + ["calibrated"])
    ap.add_argument("--held-back-seeds", type=int, default=1, help="seeds (of the first regime) with the held-back-camera check")
    ap.add_argument("--held-back-cameras", type=int, default=None, help="cameras held back in turn (default: all)")
    a = ap.parse_args(); HELD[0] = a.held_back_cameras
    py = None if a.skip_ref else a.ref_python
    print(machine(), flush=True)
    checks = []
    for regime in a.regimes:
        table = {}
        for k, seed in enumerate(a.seeds):
            tmp = Path(tempfile.mkdtemp(prefix=f"eks_acc_{regime}_{seed}_"))
            for name in a.variants:
                t0 = time.time()
                rs = (case_calibrated(seed, a.rig_frames, regime, tmp, py, checks if (regime == a.regimes[0] and k < a.held_back_seeds and a.held_back_cameras != 0) else None)
                      if name == "calibrated" else CASES[name](seed, a.frames, regime, tmp, py))
                for var, label, e, eh in rs:
                    key = "ours (oracle fixed)" if label.startswith("ours (oracle fixed") else label
                    table.setdefault((var, key), []).append((e, eh, label))
                    print(f"  [{regime} seed {seed}] {var:20s} {label:34s} {e:8.3f} {eh:8.2f}", flush=True)
                print(f"[{regime} seed {seed}] {name} done in {time.time() - t0:.0f} s", flush=True)
        print(f"\nregime {regime!r}: RMSE (px) against truth, mean over seeds {a.seeds} (per seed in brackets)")
        print(f"{'variant':20s} {'method':26s} {'all frames':>10s} {'hard frames':>11s}   per seed (all / hard)")
        for (var, label), vals in table.items():
            e = np.array([v[0] for v in vals]); eh = np.array([v[1] for v in vals])
            per = ", ".join(f"{x:.3f}/{y:.2f}" for x, y in zip(e, eh))
            if label == "ours (oracle fixed)": per += "; " + "; ".join(v[2][len("ours (oracle fixed, "):-1] for v in vals)
            if np.isnan(e).all(): print(f"{var:20s} {label:26s} {'n/a':>10s} {'n/a':>11s}   [no such path]"); continue
            print(f"{var:20s} {label:26s} {np.nanmean(e):10.3f} {np.nanmean(eh):11.2f}   [{per}]")
        ours = {v: np.array([x[0] for x in vals]) for (v, l), vals in table.items() if l == "ours (automatic)"}
        orc = {v: np.array([x[0] for x in vals]) for (v, l), vals in table.items() if l.startswith("ours (oracle")}
        ref = {v: np.array([x[0] for x in vals]) for (v, l), vals in table.items() if l == "reference (automatic)"}
        print("ours (automatic) / ours (oracle fixed), per seed: " + "; ".join(f"{v} " + ", ".join(f"{r:.3f}" for r in ours[v] / orc[v]) for v in orc))
        print("ours (automatic) / reference (automatic), per seed: " + "; ".join(f"{v} " + ", ".join(f"{r:.3f}" for r in ours[v] / ref[v]) for v in ref if v in ours and np.isfinite(ref[v]).all()))
    if checks:
        print("\nheld-back-camera check (calibrated rig, 4 cameras: smooth with 3, project into the 4th, compare with its ensemble")
        print("median where its members agree; RMS px):")
        print(f"{'held back':10s} {'ours calibrated':>16s} {'reference calibrated':>21s} {'triangulated medians':>21s} {'points':>7s}")
        for cam, e, r, t, n in checks: print(f"{cam:10s} {e:16.3f} {r:21.3f} {t:21.3f} {n:7d}")
        c = np.array([x[1:4] for x in checks]); print(f"{'mean':10s} {np.mean(c[:, 0]):16.3f} {np.nanmean(c[:, 1]):21.3f} {np.mean(c[:, 2]):21.3f}")
    print("at the end: " + machine().splitlines()[-1])

if __name__ == "__main__": main()
