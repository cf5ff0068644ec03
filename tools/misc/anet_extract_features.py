"""Snippet features of untrimmed videos with any mmaction2 recognizer, in the ActivityNet layout.

Stage 0 of the ActivityNet-2020 pipeline (projects/anet_tal/README.md). For every video:

1. decode it (decord) and cut it into snippets, one every ``interval`` frames (16, the
   ActivityNet feature interval); a snippet is ``clip_len`` frames from its first frame, every
   ``frame_interval``-th (clamped at the end of the video);
2. resize the short side to ``input_size`` and centre-crop ``input_size`` x ``input_size``
   (RGB), pack the frames as the recognizer's data preprocessor expects (``NCHW``: the frames
   as segments; ``NCTHW``: one clip) and run it: ``feature='pool'`` averages the backbone's
   output over everything but its channels, ``feature='score'`` keeps the head's class scores;
3. rescale the sequence of snippet vectors linearly to ``temporal_dim`` rows (as the
   ``csv_mean_100`` features; ``None`` keeps one row per snippet, as for THUMOS14) and write
   ``<out_dir>/v_<id>.csv``: a header line, then one row of C values per position. That is the
   file mmaction2's ``LoadLocalizationFeature`` reads (and transposes to C x T).

Files are written atomically (temporary name, then rename), so a video whose csv exists is
complete and is skipped when the run is restarted (resumable). A progress bar counts videos.
Preprocessing and pooling are our choices; the challenge's own features came from other
pipelines (the CUHK two-stream ``csv_mean_100`` and mmaction2's SlowOnly features).

Usage::

    python tools/misc/anet_extract_features.py CONFIG CHECKPOINT VIDEOS OUT_DIR \\
        [--temporal-dim 100] [--interval 16] [--clip-len 16] [--frame-interval 1] \\
        [--input-size 224] [--feature pool|score] [--batch-size 8]

``VIDEOS`` is a folder (every ``.mp4/.mkv/.webm/.avi`` in it) or a text file of video paths.
"""
import argparse
import glob
import os
import os.path as osp
import sys
from typing import Iterator, List, Optional, Sequence, Union

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
import tools._bootstrap  # noqa: E402,F401  (repo root, stack fixes)

VIDEO_EXTS = ('.mp4', '.mkv', '.webm', '.avi', '.mov')
FEATURES = ('pool', 'score')


def list_videos(videos: Union[str, Sequence[str]]) -> List[str]:
    """Video paths of a folder, of a text file (one path per line) or of a list."""
    from projects.common.errors import MMPapersError
    if not isinstance(videos, str):
        return list(videos)
    if osp.isdir(videos):
        return sorted(p for p in glob.glob(osp.join(videos, '*'))
                      if p.lower().endswith(VIDEO_EXTS))
    if osp.isfile(videos):
        with open(videos) as f:
            return [line.strip() for line in f if line.strip()]
    raise MMPapersError(f'{videos}: no such video folder or list file')


def feature_name(video: str, prefix: str = 'v_') -> str:
    """``/x/abc.mp4`` -> ``v_abc`` (mmaction2's ActivityNet video names)."""
    stem = osp.splitext(osp.basename(video))[0]
    return stem if stem.startswith(prefix) else prefix + stem


def rescale(feat: np.ndarray, temporal_dim: Optional[int]) -> np.ndarray:
    """``(N, C)`` snippet vectors linearly resampled to ``temporal_dim`` rows (centre-aligned;
    the same rule as the embedded ``anet-features``)."""
    if temporal_dim is None or feat.shape[0] == temporal_dim:
        return feat
    num = feat.shape[0]
    pos = np.clip((np.arange(temporal_dim) + 0.5) / temporal_dim * num - 0.5, 0, num - 1)
    return np.stack([np.interp(pos, np.arange(num), feat[:, i]) for i in range(feat.shape[1])],
                    axis=1)


def snippet_indices(num_frames: int, interval: int, clip_len: int,
                    frame_interval: int) -> np.ndarray:
    """``(num_snippets, clip_len)`` frame indices (at least one snippet)."""
    starts = np.arange(0, max(num_frames - interval + 1, 1), interval)
    idx = starts[:, None] + np.arange(clip_len)[None, :] * frame_interval
    return np.minimum(idx, num_frames - 1)


def _crop(frame: np.ndarray, size: int) -> np.ndarray:
    import cv2
    h, w = frame.shape[:2]
    scale = size / min(h, w)
    nh, nw = max(size, int(round(h * scale))), max(size, int(round(w * scale)))
    frame = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_LINEAR)
    top, left = (nh - size) // 2, (nw - size) // 2
    return frame[top:top + size, left:left + size]


class SnippetFeatureExtractor:
    """A recognizer in feature-extraction mode.

    Args:
        config: Recognizer config file (or Config).
        checkpoint: Its checkpoint (``None``: initial weights, for tests only).
        feature: ``'pool'`` (pooled backbone features) or ``'score'`` (head scores).
        input_size: Side of the square centre crop.
        device: torch device.
    """

    def __init__(self, config, checkpoint: Optional[str], feature: str = 'pool',
                 input_size: int = 224, device: str = 'cpu') -> None:
        import torch
        from mmengine.config import Config
        from mmengine.registry import init_default_scope
        from mmengine.runner import load_checkpoint

        from mmaction.registry import MODELS
        if feature not in FEATURES:
            raise ValueError(f'feature must be one of {FEATURES}, got {feature!r}')
        cfg = Config.fromfile(config) if isinstance(config, str) else config
        init_default_scope(cfg.get('default_scope', 'mmaction'))
        self.model = MODELS.build(cfg.model).to(device).eval()
        if checkpoint is not None:
            load_checkpoint(self.model, checkpoint, map_location=device, logger='current')
        self.format_shape = getattr(self.model.data_preprocessor, 'format_shape', 'NCHW')
        if self.format_shape not in ('NCHW', 'NCTHW'):
            raise ValueError(f'{config}: data_preprocessor.format_shape '
                             f'{self.format_shape!r} is not supported (NCHW or NCTHW)')
        self.feature = feature
        self.input_size = input_size
        self.torch = torch

    def __call__(self, clips: np.ndarray) -> np.ndarray:
        """``(B, clip_len, H, W, 3)`` uint8 RGB clips -> ``(B, C)`` features."""
        torch = self.torch
        x = torch.from_numpy(np.ascontiguousarray(clips)).float().permute(0, 1, 4, 2, 3)
        if self.format_shape == 'NCTHW':  # (B, 1 clip, C, T, H, W)
            x = x.permute(0, 2, 1, 3, 4).unsqueeze(1)
        with torch.no_grad():
            data = self.model.data_preprocessor(dict(inputs=list(x), data_samples=None), False)
            inputs = data['inputs']
            if self.feature == 'score':
                out, _ = self.model.extract_feat(inputs, stage='head', test_mode=True)
            else:
                out, _ = self.model.extract_feat(inputs, stage='backbone', test_mode=True)
                if isinstance(out, (tuple, list)):
                    out = out[-1]
                batch = inputs.shape[0]
                out = out.reshape(batch, out.shape[0] // batch, out.shape[1], -1).mean(dim=(1, 3))
        return out.reshape(out.shape[0], -1).cpu().numpy().astype(np.float64)


def read_video_clips(path: str, interval: int, clip_len: int, frame_interval: int,
                     input_size: int) -> Iterator[np.ndarray]:
    """The snippets of one video, each ``(clip_len, S, S, 3)`` uint8 RGB."""
    import decord
    from projects.common.errors import MMPapersError
    try:
        reader = decord.VideoReader(path, num_threads=1)
    except Exception as exc:  # decord raises its own DECORDError
        raise MMPapersError(f'{path}: cannot decode the video ({str(exc).splitlines()[0]})') \
            from None
    if len(reader) == 0:
        raise MMPapersError(f'{path}: the video has no frame')
    for idx in snippet_indices(len(reader), interval, clip_len, frame_interval):
        frames = reader.get_batch(list(idx)).asnumpy()
        yield np.stack([_crop(f, input_size) for f in frames])


def write_csv(path: str, feat: np.ndarray) -> None:
    """Header line + one row per position, written atomically."""
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(','.join(f'f{i}' for i in range(feat.shape[1])) + '\n')
        np.savetxt(f, feat, fmt='%.6f', delimiter=',')
    os.replace(tmp, path)


def extract_features(config, checkpoint: Optional[str], videos, out_dir: str,
                     temporal_dim: Optional[int] = 100, interval: int = 16, clip_len: int = 16,
                     frame_interval: int = 1, input_size: int = 224, feature: str = 'pool',
                     batch_size: int = 8, device: str = 'cpu', prefix: str = 'v_',
                     progress: bool = True) -> List[str]:
    """Extract every video's features (see the module docstring); returns the csv paths.

    Videos whose csv exists are skipped (resume).
    """
    from mmengine.logging import print_log
    from mmengine.utils import ProgressBar
    for name, value in (('interval', interval), ('clip_len', clip_len),
                        ('frame_interval', frame_interval), ('batch_size', batch_size)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f'{name} must be a positive int, got {value!r}')
    paths = list_videos(videos)
    os.makedirs(out_dir, exist_ok=True)
    todo = [(v, osp.join(out_dir, feature_name(v, prefix) + '.csv')) for v in paths]
    done = [csv for _, csv in todo if osp.isfile(csv)]
    if done:
        print_log(f'{len(done)} of {len(todo)} videos already have features in {out_dir}: '
                  f'skipped', logger='current')
    todo = [(v, csv) for v, csv in todo if not osp.isfile(csv)]
    extractor = SnippetFeatureExtractor(config, checkpoint, feature, input_size, device) \
        if todo else None
    bar = ProgressBar(len(todo)) if progress and todo else None
    for video, csv in todo:
        feats, batch = [], []
        for clip in read_video_clips(video, interval, clip_len, frame_interval, input_size):
            batch.append(clip)
            if len(batch) == batch_size:
                feats.append(extractor(np.stack(batch)))
                batch = []
        if batch:
            feats.append(extractor(np.stack(batch)))
        write_csv(csv, rescale(np.concatenate(feats), temporal_dim))
        done.append(csv)
        if bar is not None:
            bar.update()
    return done


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='mmaction2 recognizer config')
    parser.add_argument('checkpoint', help='its checkpoint')
    parser.add_argument('videos', help='folder of videos or text file of video paths')
    parser.add_argument('out_dir', help='folder of the per-video feature csv files')
    parser.add_argument('--temporal-dim', type=int, default=100,
                        help='rows per video (0: one row per snippet, no rescaling)')
    parser.add_argument('--interval', type=int, default=16, help='frames between snippets')
    parser.add_argument('--clip-len', type=int, default=16, help='frames per snippet')
    parser.add_argument('--frame-interval', type=int, default=1)
    parser.add_argument('--input-size', type=int, default=224)
    parser.add_argument('--feature', choices=FEATURES, default='pool')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    from projects.common.errors import MMPapersError, cli_errors
    args = parse_args(argv)
    with cli_errors(args.config):
        if not osp.isfile(args.config):
            raise MMPapersError(f'{args.config}: config file not found')
        if not osp.isfile(args.checkpoint):
            raise MMPapersError(f'{args.checkpoint}: checkpoint not found')
        extract_features(args.config, args.checkpoint, args.videos, args.out_dir,
                         args.temporal_dim or None, args.interval, args.clip_len,
                         args.frame_interval, args.input_size, args.feature,
                         args.batch_size, args.device)


if __name__ == '__main__':
    main()
