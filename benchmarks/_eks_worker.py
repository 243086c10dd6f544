"""Run one EKS job in this process and print a JSON line (seconds, peak RSS). Used by eks_speed.py / eks_accuracy.py.

    python _eks_worker.py ours|ref VARIANT OUT FILE... [--cameras top bot]

`ours` needs lightning_pose importable; `ref` must run under the reference package's interpreter
(/work/venv-eks-ref/bin/python, `pip install ensemble-kalman-smoother`). Both read the same member CSVs.
"""
import json, resource, sys, time, os
from pathlib import Path

def main(argv):
    who, variant, out = argv[:3]
    rest = argv[3:]
    cams = None
    if "--cameras" in rest:
        i = rest.index("--cameras"); cams = rest[i + 1:]; rest = rest[:i]
    files = rest
    t0 = time.perf_counter()
    if who == "ours":
        from lightning_pose.eks.cli import run_singlecam, run_multicam, run_pupil
        if variant == "singlecam": run_singlecam(files, out, overwrite=True)
        elif variant == "pupil": run_pupil(files, out, overwrite=True)
        elif variant == "multicam": run_multicam(files, out, cams, overwrite=True)
    else:
        import logging; logging.disable(logging.INFO)
        import eks
        if variant == "singlecam": eks.fit_eks_singlecam(files, out)
        elif variant == "pupil": eks.fit_eks_pupil(files, out)
        elif variant == "multicam":
            groups = {c: [f for f in files if f".{c}." in Path(f).name] for c in cams}
            eks.fit_eks_multicam(groups, out, camera_names=cams)
    dt = time.perf_counter() - t0
    hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))   # this process only
    print(json.dumps({"seconds": dt, "max_rss_mb": hwm / 1024}))

if __name__ == "__main__": main(sys.argv[1:])
