"""Gradient norm of the supervised loss vs the unsupervised losses (weight 1, each unit of benchmarks/real_data.py) on one
labeled batch and three unlabeled clips, for a network trained 10 epochs supervised on the mirror-mouse training pool.

    PYTHONPATH=. OMP_NUM_THREADS=1 python benchmarks/real_data_grads.py [current,hm,pseudo,target] [WORK]
"""
import sys, json, torch, numpy as np
from pathlib import Path
ARGV = list(sys.argv); sys.argv = ["x"]; sys.path.insert(0, str(Path(__file__).resolve().parent))
import real_data as rd
from pathlib import Path
from lightning_pose.config import load_config, unsupervised_spec
from lightning_pose.train import train, PoseModule, build_unsupervised
from lightning_pose.data import LabeledDataModule
from lightning_pose.demo import demo_overrides
torch.set_num_threads(1); rd.install_patches()
work = Path(ARGV[2] if len(ARGV) > 2 else "litpose-grads"); work.mkdir(exist_ok=True); pool = work/"train_pool.yaml"
if not pool.exists(): rd.write_project(next(d for d in (rd.ROOT.parent/"shared", rd.ROOT.parent.parent/"shared") if d.is_dir())/"data"/"mirror-mouse-example", work, 20, 1234)
E = 10
base = demo_overrides(50, 128) + ["training.batch_size=8", "training.seed=0", "training.train_frac=0.9", "training.val_frac=0.1",
        f"training.max_epochs={E}", f"training.min_epochs={E}", "training.check_val_every_n_epoch=5"]
md = work/"sup10"
if not (md/"best.ckpt").exists(): train(load_config(pool, base), md, progress=False)
semi = ["losses.unsupervised=[temporal,pca_multiview,pca_singleview]", "losses.clip_length=8", "losses.video_backend=cpu"]
cfg = load_config(pool, base + semi)
dm = LabeledDataModule(cfg); dm.setup()
factory, clips = build_unsupervised(cfg, dm, "cpu")
m = PoseModule.load_from_checkpoint(md/"best.ckpt", map_location="cpu", weights_only=False, loss_factory=factory, unlabeled=clips)
m.train(); factory.to("cpu")
batch = next(iter(dm.train_dataloader()))
params = [p for p in m.parameters() if p.requires_grad]
def gnorm(loss):
    g = torch.autograd.grad(loss, params, retain_graph=False, allow_unused=True)
    return float(torch.sqrt(sum((x**2).sum() for x in g if x is not None)))
it = iter(clips)
UNITS = ARGV[1].split(",") if len(ARGV) > 1 else ("current", "hm", "pseudo")
for unit in UNITS:
  for bn in ("running", "batch"):
    rd.PATCH["unit"] = unit; m.cfg.losses.batchnorm = bn
    gs, gu, vs, vu = [], [], [], []
    for k in range(3):
        sup, _ = m.supervised_loss(batch); vs.append(float(sup.detach())); gs.append(gnorm(sup))
        clip = next(it)
        unsup, parts = m.unsupervised_loss(clip); vu.append(float(unsup.detach())); gu.append(gnorm(unsup))
    print(f"unit {unit:7s} bn {bn:7s} sup {np.mean(vs):.4f} |g| {np.mean(gs):.4f}   unsup(w=1) {np.mean(vu):.4f} |g| {np.mean(gu):.4f}  "
          f"grad/loss ratio sup {np.mean(gs)/np.mean(vs):.1f} unsup {np.mean(gu)/max(np.mean(vu),1e-12):.1f}", {k: round(rd.PATCH[f'px_{k}'],2) for k in factory.losses}, flush=True)
# pseudo-target sanity: violations after moving to the targets
clip = next(it)
with torch.no_grad():
    pred = m.decode(m(clip["frames"]))
    from lightning_pose.augment import invert_keypoints
    from lightning_pose.heatmaps import rescale_keypoints
    y = rescale_keypoints(invert_keypoints(pred["keypoints"], clip["affine"]), m.image_hw, tuple(int(v) for v in clip["orig_hw"]))
    for n, loss in factory.losses.items():
        dl, mk = rd.pseudo_deltas(loss, y, pred["confidence"])
        print(n, "violating frac %.3f" % float(mk.float().mean()), "mean hinge before %.2f after %.2f" % (float(loss.penalties(y, pred["confidence"]).mean()), float(loss.penalties(y + dl, pred["confidence"]).mean())))
