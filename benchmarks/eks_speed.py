"""Speed of lightning_pose.eks against the reference `ensemble-kalman-smoother` on the same inputs, in one run.

    python benchmarks/eks_speed.py [--data /work/shared/data] [--ref-python /work/venvs/eksref/bin/python] [--long-frames 100000] [--repeat 3]

Cases (automatic smoothing everywhere, default settings of each package): mirror-mouse-separate (multi-camera, 2 views
x 4 paws), ibl-pupil (single camera over the 4 keypoints, and pupil), a synthetic calibrated rig (4 distorted cameras x
4 keypoints, anipose .toml; ours: `--calibration`, the reference: `fit_eks_multicam(calibration=...)`), and long
synthetic ensembles (5 members x N frames x 17 keypoints, single camera).
Each job runs in a fresh process; times are the fit call end to end (reading CSVs to writing outputs, excluding
interpreter start-up; the package's import is inside the timed call on both sides); peak RSS is the whole process's.
With `--repeat N` every job runs N times, ours and the reference alternating, and the table shows the medians: the
first process of a run can pay for a cold page cache (ours 0.72-1.19 s on one case across three single runs).
"""
import argparse, json, os, platform, subprocess, sys, tempfile, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

def job(python, who, variant, out, files, cams=None, calib=None):
    if not Path(python).is_file(): return {"error": f"no interpreter {python}"}
    cmd = [python, str(HERE / "_eks_worker.py"), who, variant, str(out), *map(str, files)]
    cmd += (["--calibration", str(calib)] if calib else []) + (["--cameras", *cams] if cams else [])
    env = dict(os.environ, PYTHONPATH=str(REPO))
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if p.returncode: return {"error": p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}"}
    return dict(json.loads(p.stdout.strip().splitlines()[-1]), process_seconds=wall)

def long_ensemble(folder: Path, n_frames: int, n_kp: int=17, m: int=5) -> list[Path]:
    import numpy as np
    sys.path.insert(0, str(REPO))
    from lightning_pose.synthetic.ensembles import synthetic_ensemble
    se = synthetic_ensemble(n_frames, n_keypoints=n_kp, occlusion_rate=0.002, seed=0)
    names = [f"kp{k}" for k in range(n_kp)]
    files = []
    for i in range(m):
        data = np.concatenate([se.xy[i, :, 0], se.likelihood[i, :, 0, :, None]], -1).reshape(n_frames, -1)
        f = folder / f"long.rng={i}.csv"
        with open(f, "w") as fh:
            fh.write("scorer," + ",".join(["synthetic"] * 3 * n_kp) + "\n")
            fh.write("bodyparts," + ",".join(n for n in names for _ in range(3)) + "\n")
            fh.write("coords," + ",".join(["x", "y", "likelihood"] * n_kp) + "\n")
            np.savetxt(fh, np.concatenate([np.arange(n_frames)[:, None], data], 1), fmt=["%d"] + ["%.3f"] * data.shape[1], delimiter=",")
        files.append(f)
    return files

def default_data() -> str:
    "The shared data folder: next to the checkout, or next to the folder of worktrees."
    for d in (REPO.parent / "shared" / "data", REPO.parent.parent / "shared" / "data"):
        if (d / "eks").is_dir(): return str(d)
    return str(REPO.parent / "shared" / "data")

def rig_files(folder: Path, n_frames: int=500):
    "A synthetic calibrated rig: member CSVs per camera, and its calibration file."
    sys.path.insert(0, str(REPO))
    from lightning_pose.synthetic.rigs import rig_ensemble
    from lightning_pose.io import pose_df, write_pose_csv
    re = rig_ensemble(n_frames, n_keypoints=4, n_cameras=4, seed=0)
    names = [f"kp{k}" for k in range(4)]
    files = [write_pose_csv(pose_df(re.xy[i, :, v], names, likelihood=re.likelihood[i, :, v]), folder / f"rig.rng={i}.{c.name}.csv")
             for i in range(5) for v, c in enumerate(re.cameras)]
    return files, [c.name for c in re.cameras], re.write_calibration(folder / "calib.toml")

def median_run(runs: list[dict]) -> dict:
    "The median of each figure over repeated runs of one job (the first error if any failed)."
    bad = [r for r in runs if "error" in r]
    if bad: return bad[0]
    import statistics
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}

def load() -> str:
    "The 1, 5 and 15 minute load averages."
    return " ".join(open("/proc/loadavg").read().split()[:3])

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=default_data())
    ap.add_argument("--ref-python", default="/work/venvs/eksref/bin/python")
    ap.add_argument("--rig-frames", type=int, default=500, help="frames of the calibrated-rig case (0: skip)")
    ap.add_argument("--long-frames", type=int, nargs="*", default=[25_000, 100_000], help="lengths of the long synthetic cases (none: skip)")
    ap.add_argument("--skip-ref-long", action="store_true", help="do not run the reference on the long case")
    ap.add_argument("--repeat", type=int, default=1, help="run every job this many times (ours and ref alternating); report the medians")
    a = ap.parse_args()
    load0 = load()
    data = Path(a.data) / "eks"
    mm = sorted((data / "mirror-mouse-separate").glob("*.csv")); pu = sorted((data / "ibl-pupil").glob("*.csv"))
    if not mm or not pu: sys.exit(f"{data}: no mirror-mouse-separate/ or ibl-pupil/ CSVs (give --data)")
    tmp = Path(tempfile.mkdtemp(prefix="eks_speed_"))
    cases = [("mirror-mouse multicam", "multicam", mm, ["top", "bot"], "dir", None),
             ("ibl-pupil singlecam", "singlecam", pu, None, "csv", None),
             ("ibl-pupil pupil", "pupil", pu, None, "csv", None)]
    if a.rig_frames:
        (tmp / "rig").mkdir(); rf, rc, calib = rig_files(tmp / "rig", a.rig_frames)
        cases.append((f"rig {a.rig_frames} x 4 cams calibrated", "calibrated", rf, rc, "dir", calib))
    for n in a.long_frames:
        (tmp / str(n)).mkdir()
        t0 = time.perf_counter(); lf = long_ensemble(tmp / str(n), n)
        print(f"(wrote the {n}-frame synthetic ensemble in {time.perf_counter() - t0:.0f} s)", flush=True)
        cases.append((f"synthetic {n} x 17 singlecam", "singlecam", lf, None, "csv", None))
    rows = []
    for name, variant, files, cams, kind, calib in cases:
        runs = {"ours": [], "ref": []}
        for i in range(a.repeat):
            for who, py in [("ours", sys.executable), ("ref", a.ref_python)][::1 if i % 2 == 0 else -1]:
                if who == "ref" and a.skip_ref_long and name.startswith("synthetic"): runs[who].append({"error": "skipped"}); continue
                out = tmp / f"{who}_{variant}_{len(rows)}_{i}" / ("out" if kind == "dir" else "out.csv")
                if kind == "dir": out.mkdir(parents=True, exist_ok=True)
                else: out.parent.mkdir(parents=True, exist_ok=True)
                runs[who].append(job(py, who, variant, out, files, cams, calib))
                print(name, who, runs[who][-1], flush=True)
        rows.append((name, {who: median_run(rs) for who, rs in runs.items()}))
    print(f"\ncommand: python {' '.join(sys.argv)}")
    print(f"machine: {platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, python {platform.python_version()}, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}; load average at the start {load0}, at the end {load()}")
    print("fit: the fit call, CSVs in to CSVs out (wall s); cpu: its CPU seconds, all threads (the fair figure on a loaded machine);")
    print("process: the whole command including interpreter start and imports (wall s)"
          + (f"; each figure the median of {a.repeat} runs, ours and ref alternating" if a.repeat > 1 else ""))
    print(f"{'case':34s} {'ours fit':>9s} {'ref fit':>8s} {'speed-up':>9s} {'ours cpu':>9s} {'ref cpu':>8s} {'speed-up':>9s} "
          f"{'ours proc':>10s} {'ref proc':>9s} {'speed-up':>9s} {'ours MB':>8s} {'ref MB':>7s}")
    nan = float("nan")
    for name, r in rows:
        o, f = r["ours"], r["ref"]
        sp = lambda k: f"{f[k] / o[k]:8.1f}x" if o.get(k) and f.get(k) else "      n/a"
        print(f"{name:34s} {o.get('seconds', nan):9.2f} {f.get('seconds', nan):8.2f} {sp('seconds'):>9s} "
              f"{o.get('cpu_seconds', nan):9.2f} {f.get('cpu_seconds', nan):8.2f} {sp('cpu_seconds'):>9s} {o.get('process_seconds', nan):10.2f} "
              f"{f.get('process_seconds', nan):9.2f} {sp('process_seconds'):>9s} {o.get('max_rss_mb', nan):8.0f} {f.get('max_rss_mb', nan):7.0f}"
              + (f"  ref: {f['error']}" if "error" in f else "") + (f"  ours: {o['error']}" if "error" in o else ""))

if __name__ == "__main__": main()
