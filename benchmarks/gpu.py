#!/usr/bin/env python
"""The GPU path in one run of at most 8 minutes on a CUDA machine; prints one table.

Steps (each in its own process, each with a time limit inside the overall budget):
  install   pip install -e ".[dev]" (or from a folder of wheels, for machines without internet: --wheels DIR)
  cuda      the `cuda`-flagged notebook cells: pytest -n 4 --nb-flags cuda on the notebooks that have such cells
  measure   on synthetic data from lightning_pose.synthetic, CUDA only:
            - DALI GPU video decoding, frames/s: a whole 256 x 256 H.264 video in order (dali_sequence_chunks) and
              random augmented 32-frame training clips (UnlabeledClips, backend dali)
            - one supervised and one semi-supervised training epoch (s/epoch) on a `small` synthetic project,
              ResNet-18 from random init at 256 x 256 (the unsupervised losses on from the first epoch)
            - video prediction frames/s at 256 x 256 for ResNet-18 and ResNet-50 (predict_video, DALI reader)
            - peak GPU memory of each (torch.cuda.max_memory_allocated)

Usage (from the repository root): bash benchmarks/gpu.sh [--dry-run] [--skip-install] [--wheels DIR] [--budget S]
Without a CUDA GPU it stops at once with exit status 2 (after printing the plan with --dry-run, exit status 0).
"""
from __future__ import annotations

import argparse, json, os, re, subprocess, sys, tempfile, time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUDGET_S = 480                 # the whole run: 8 minutes
LIMITS = {"install": 150, "cuda": 150, "measure": 300}   # per step, seconds (each also capped by what is left)
MEASURE_ITEMS = ["dali decode (sequence)", "dali clips (training)", "train epoch, supervised", "train epoch, semi-supervised",
                 "predict resnet18 256x256", "train epoch, supervised resnet50", "predict resnet50 256x256"]


def plan(args) -> list[tuple[str, str]]:
    "The steps this run would take: (name, what it does)."
    install = ("skipped (--skip-install)" if args.skip_install else
               f'pip install --no-index --find-links {args.wheels} -e ".[dev]"' if args.wheels else 'pip install -e ".[dev]"')
    nbs = " ".join(str(p.relative_to(REPO)) for p in cuda_notebooks()) or "(no notebook has cuda cells)"
    return [("check", "a CUDA GPU is visible to torch (else stop, exit status 2)"),
            ("install", install),
            ("cuda", f"pytest -q -n 4 --nb-flags cuda {nbs}"),
            ("measure", "; ".join(MEASURE_ITEMS)),
            ("budget", f"{args.budget} s in all; per step at most {LIMITS}")]


def cuda_notebooks(nbs: Path=REPO/"nbs") -> list[Path]:
    "Notebooks with at least one code cell flagged `#| cuda`."
    out = []
    for p in sorted(nbs.rglob("*.ipynb")):
        if any(s.startswith((".", "_")) for s in p.relative_to(nbs).parts): continue
        cells = json.loads(p.read_text())["cells"]
        if any(c["cell_type"] == "code" and re.match(r"^(#\|[^\n]*\n)*#\|\s*cuda\b", "".join(c["source"])) for c in cells):
            out.append(p)
    return out


def cuda_status() -> tuple[bool, str]:
    "(whether torch sees a CUDA GPU, its name or why not), asked in a fresh interpreter."
    code = "import torch; print(torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'NONE')"
    try: r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired: return False, "importing torch took over 120 s"
    if r.returncode: return False, (r.stderr.strip().splitlines() or ["torch does not import"])[-1]
    name = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else "NONE"
    return (name != "NONE"), (name if name != "NONE" else "torch.cuda.is_available() is False")


def run_step(cmd: list[str], limit: float, env=None) -> tuple[str, float, str]:
    "Run a command with a time limit: (status 'ok'/'FAILED'/'TIMEOUT', seconds, last lines of its output)."
    t0 = time.perf_counter()
    try: r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=max(1, limit), env=env)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return "TIMEOUT", time.perf_counter() - t0, "\n".join(out.splitlines()[-5:])
    tail = "\n".join((r.stdout + r.stderr).strip().splitlines()[-5:])
    return ("ok" if r.returncode == 0 else "FAILED"), time.perf_counter() - t0, tail


def format_table(rows: list[dict]) -> str:
    "One table: step, result, value, seconds, peak GPU memory."
    head = ["step", "result", "value", "s", "peak GPU GiB"]
    cells = [[r["step"], r["result"], r.get("value", ""), f"{r['seconds']:.1f}" if r.get("seconds") is not None else "",
              f"{r['peak_gib']:.2f}" if r.get("peak_gib") is not None else ""] for r in rows]
    w = [max(len(str(x)) for x in col) for col in zip(head, *cells)]
    line = lambda xs: "| " + " | ".join(str(x).ljust(n) for x, n in zip(xs, w)) + " |"
    return "\n".join([line(head), "|" + "|".join("-" * (n + 2) for n in w) + "|"] + [line(c) for c in cells])


def pytest_summary(tail: str) -> str:
    "The counts of a pytest summary line ('3 passed, 1 failed'), or ''."
    m = re.findall(r"(\d+ (?:passed|failed|error|errors|skipped))", tail)
    return ", ".join(m)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dry-run", action="store_true", help="print the plan and exit")
    ap.add_argument("--skip-install", action="store_true", help="use the installed package as it is")
    ap.add_argument("--wheels", help="install from this folder of wheels, without an index (offline machines)")
    ap.add_argument("--budget", type=float, default=BUDGET_S, help="seconds for the whole run")
    ap.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)   # the measure step's own process
    ap.add_argument("--deadline", type=float, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--results", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure_only:
        from gpu_measure import measure
        Path(args.results).write_text(json.dumps(measure(deadline=args.deadline)))
        return 0
    if args.dry_run:
        print("benchmarks/gpu.sh would run:")
        for name, what in plan(args): print(f"  {name:8s} {what}")
        return 0
    ok, name = cuda_status()
    if not ok:
        print(f"benchmarks/gpu.sh needs a CUDA GPU: {name}. Nothing was run (see --dry-run for the plan).", file=sys.stderr)
        return 2
    return run_all(args, name)


def run_all(args, gpu_name: str) -> int:
    "Install, run the cuda cells, measure; print the table. Exit status 1 if a step failed."
    start, rows = time.perf_counter(), []
    left = lambda: args.budget - (time.perf_counter() - start)
    if not args.skip_install:
        cmd = [sys.executable, "-m", "pip", "install", "-q"] + (["--no-index", "--find-links", args.wheels] if args.wheels else []) + ["-e", ".[dev]"]
        st, s, tail = run_step(cmd, min(LIMITS["install"], left()))
        rows.append(dict(step="install", result=st, value="" if st == "ok" else tail.splitlines()[-1][:60] if tail else "", seconds=s))
    nbs = [str(p.relative_to(REPO)) for p in cuda_notebooks()]
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    st, s, tail = run_step([sys.executable, "-m", "pytest", "-q", "-n", "4", "--nb-flags", "cuda", *nbs], min(LIMITS["cuda"], left()), env)
    rows.append(dict(step=f"cuda cells ({len(nbs)} notebooks)", result=st, value=pytest_summary(tail), seconds=s))
    limit = min(LIMITS["measure"], left())
    with tempfile.TemporaryDirectory() as tmp:
        res = Path(tmp)/"rows.json"
        cmd = [sys.executable, str(Path(__file__)), "--measure-only", "--deadline", str(time.time() + limit - 30), "--results", str(res)]
        st, s, tail = run_step(cmd, limit, {**env, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO/'benchmarks'}"})
        if res.exists(): rows += json.loads(res.read_text())
        else: rows.append(dict(step="measure", result=st, value=tail.splitlines()[-1][:80] if tail else "", seconds=s))
    print(f"GPU path on {gpu_name}, {time.perf_counter() - start:.0f} s in all")
    print(format_table(rows))
    return 0 if all(r["result"] == "ok" for r in rows) else 1


if __name__ == "__main__": sys.exit(main())
