"""Run one EKS job in this process and print a JSON line (seconds, peak RSS). Used by eks_speed.py / eks_accuracy.py.

    python _eks_worker.py ours|ref VARIANT OUT FILE... [--cameras top bot] [--calibration calib.toml]

VARIANT: singlecam, pupil, multicam (one file per camera), mirrored (all views in one file), calibrated.
`ours` needs lightning_pose importable; `ref` must run under the reference package's interpreter
(`pip install ensemble-kalman-smoother==4.6.2`). Both read the same member CSVs; multicam, mirrored and calibrated
write into the folder OUT, the others write the CSV OUT.
"""
import json, sys, time
from pathlib import Path

def options(rest):
    "Split FILE... [--cameras ...] [--calibration X] into files, cameras, calibration."
    cams, calib = None, None
    if "--calibration" in rest:
        i = rest.index("--calibration"); calib = rest[i + 1]; rest = rest[:i] + rest[i + 2:]
    if "--cameras" in rest:
        i = rest.index("--cameras"); cams = rest[i + 1:]; rest = rest[:i]
    return rest, cams, calib

def ours(variant, out, files, cams, calib):
    from lightning_pose.eks.cli import run_singlecam, run_multicam, run_pupil
    if variant == "singlecam": run_singlecam(files, out, overwrite=True)
    elif variant == "pupil": run_pupil(files, out, overwrite=True)
    elif variant in ("multicam", "mirrored"): run_multicam(files, out, cams, overwrite=True)
    elif variant == "calibrated": run_multicam(files, out, cams, overwrite=True, calibration=calib)

def ref(variant, out, files, cams, calib):
    import logging, warnings; logging.disable(logging.INFO); warnings.filterwarnings("ignore")
    import eks
    groups = lambda: {c: [f for f in files if f".{c}." in Path(f).name or f"_{c}." in Path(f).name] for c in cams}
    if variant == "singlecam": eks.fit_eks_singlecam(files, out)
    elif variant == "pupil": eks.fit_eks_pupil(files, out)
    elif variant == "mirrored": eks.fit_eks_mirrored_multicam(files, out, camera_names=cams)
    elif variant == "multicam": eks.fit_eks_multicam(groups(), out, camera_names=cams)
    elif variant == "calibrated": eks.fit_eks_multicam(groups(), out, camera_names=cams, calibration=calib)

def main(argv):
    who, variant, out = argv[:3]
    files, cams, calib = options(argv[3:])
    t0, c0 = time.perf_counter(), time.process_time()
    (ours if who == "ours" else ref)(variant, out, files, cams, calib)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))   # this process only
    print(json.dumps({"seconds": dt, "cpu_seconds": cpu, "max_rss_mb": hwm / 1024}))

if __name__ == "__main__": main(sys.argv[1:])
