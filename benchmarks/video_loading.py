"""Clip-loading throughput (frames/s) of each video backend available on this machine.

Usage: python benchmarks/video_loading.py [--data ../shared/data] [--clip-length 32] [--n-clips 8]

Backends: the PyAV reader on H.264 and on VP9, DALI's CPU backend on VP9, and DALI with GPU decoding (H.264 and
VP9) when CUDA is present. Videos: a synthetic 256 x 256 toy video (written to a temporary folder) and, when
present, mirror-mouse-example/videos/test_vid.mp4 (H.264, 406 x 396; its first frames transcoded to VP9 in the
temporary folder). Each row loads `--n-clips` random training clips of `--clip-length` frames, resized to
256 x 256 and augmented (one random affine + brightness/contrast per clip), and times them after the first clip
(pipeline construction and the frame index are excluded). The reference lightning-pose only loads unlabeled
video with DALI on a GPU, so it has no CPU figures to compare with.
"""
import argparse, os, platform, sys, tempfile, time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lightning_pose.augment import ClipAugment
from lightning_pose.synthetic import make_toy_video
from lightning_pose.video import UnlabeledClips, dali_available
from lightning_pose.videoio import iter_frames, video_info, write_video


def transcode_vp9(src, dst, n_frames):
    "Write the first `n_frames` of `src` as fast-preset VP9 (WebM)."
    import av
    info = video_info(src)
    with av.open(str(dst), "w") as c:
        s = c.add_stream("libvpx-vp9", rate=int(round(info.fps)),
                         options={"crf": "30", "b": "0", "deadline": "realtime", "cpu-used": "8", "row-mt": "1"})
        s.width, s.height, s.pix_fmt = info.width, info.height, "yuv420p"
        for batch in iter_frames(src, 64, 0, n_frames):
            for f in batch:
                for p in s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")): c.mux(p)
        for p in s.encode(): c.mux(p)
    return Path(dst)


def throughput(video, backend, clip_length, n_clips, seed=0):
    "Frames per second of loading `n_clips` clips (after the first), and the resolved backend."
    ds = UnlabeledClips([video], clip_length=clip_length, resize_hw=(256, 256), backend=backend,
                        augment=ClipAugment(), seed=seed)
    it, n = iter(ds), 0
    first = next(it)
    if first["frames"].is_cuda: torch.cuda.synchronize()
    t0 = time.perf_counter()
    for d in it:
        n += 1
        if n == n_clips: break
    if first["frames"].is_cuda: torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    return n * clip_length / dt, n, f"{ds.backend}-{ds.decode_device}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
    ap.add_argument("--clip-length", type=int, default=32)
    ap.add_argument("--n-clips", type=int, default=8, help="clips timed per row (after one warm-up clip)")
    ap.add_argument("--synthetic-frames", type=int, default=320)
    a = ap.parse_args()
    torch.set_num_threads(min(4, os.cpu_count() or 1))
    cuda = torch.cuda.is_available()
    gpu = torch.cuda.get_device_name() if cuda else "none"
    print(f"command: python {' '.join(sys.argv)}")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, GPU: {gpu}, "
          f"torch {torch.__version__}, DALI {'yes' if dali_available() else 'no'}")
    n_frames = (a.n_clips + 1) * a.clip_length
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        toy = make_toy_video(max(a.synthetic_frames, n_frames), 256, 256, seed=0).frames
        videos = {"synthetic 256x256": {"h264": write_video(toy, tmp / "toy.mp4", 30, codec="h264"),
                                        "vp9": write_video(toy, tmp / "toy.webm", 30, codec="vp9")}}
        real = Path(a.data) / "mirror-mouse-example" / "videos" / "test_vid.mp4"
        if real.is_file():
            videos[f"mirror-mouse {video_info(real).width}x{video_info(real).height}"] = {
                "h264": real, "vp9": transcode_vp9(real, tmp / "test_vid.webm", max(a.synthetic_frames, n_frames))}
        rows = [("pyav", "h264", "cpu"), ("pyav", "vp9", "cpu")]
        if dali_available():
            rows.append(("dali-cpu", "vp9", "dali-cpu"))
            if cuda: rows += [("dali-gpu", "h264", "dali-gpu"), ("dali-gpu", "vp9", "dali-gpu")]
        print(f"\nclip loading: {a.n_clips} clips x {a.clip_length} frames, resized to 256x256, augmented\n")
        print(f"| {'video':<24} | {'codec':<5} | {'backend':<9} | {'frames/s':>9} |")
        print(f"|{'-'*26}|{'-'*7}|{'-'*11}|{'-'*11}|")
        for name, files in videos.items():
            for label, codec, backend in rows:
                fps, n, resolved = throughput(files[codec], backend, a.clip_length, a.n_clips)
                assert resolved == {"pyav": "cpu-cpu", "dali-cpu": "dali-cpu", "dali-gpu": "dali-gpu"}[label], resolved
                print(f"| {name:<24} | {codec:<5} | {label:<9} | {fps:>9.0f} |")


if __name__ == "__main__":
    main()
