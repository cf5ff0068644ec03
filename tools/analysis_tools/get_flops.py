"""Count the FLOPs and parameters of a config's model (mmengine's complexity analysis).

Usage::

    python tools/analysis_tools/get_flops.py CONFIG [--shape 224 224] [--channels 3]
    python tools/analysis_tools/get_flops.py CONFIG --input-shape 1 3 8 224 224   # video

The model is built on CPU and run once with a zero input of the given shape through its
``forward(inputs, mode='tensor')``; the counts are those of that graph (for detectors:
backbone, neck and head without post-processing).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401
import torch  # noqa: E402
from mmengine.analysis import get_model_complexity_info  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.registry import MODELS, init_default_scope  # noqa: E402

from projects.common.errors import MMPapersError, cli_errors  # noqa: E402


class _TensorForward(torch.nn.Module):
    """Calls ``model(inputs, mode='tensor')`` so every OpenMMLab model takes one tensor."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, inputs: torch.Tensor):
        return self.model(inputs, mode='tensor')


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description='Get a model\'s FLOPs and parameters')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--shape', type=int, nargs='+', default=[224, 224],
                        help='input height and width (one value: square)')
    parser.add_argument('--channels', type=int, default=3, help='input channels')
    parser.add_argument('--input-shape', type=int, nargs='+',
                        help='full input shape with batch (overrides --shape/--channels)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    holder = {}
    with cli_errors(args.config, holder):
        if not osp.isfile(args.config):
            raise MMPapersError(f'{args.config}: config file not found')
        cfg = holder['cfg'] = Config.fromfile(args.config)
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        init_default_scope(cfg.get('default_scope', 'mmengine'))
        if args.input_shape:
            shape = tuple(args.input_shape)
        else:
            hw = args.shape * 2 if len(args.shape) == 1 else args.shape
            shape = (1, args.channels, *hw)
        model = MODELS.build(cfg.model).eval()
        with torch.no_grad():
            info = get_model_complexity_info(
                _TensorForward(model), inputs=(torch.zeros(shape), ), show_table=False,
                show_arch=False)
        print(f'config: {args.config}\ninput shape: {shape}\n'
              f"flops: {info['flops_str']}\nparams: {info['params_str']}")
        # DG-Net/TopoNet graph stages: weighted sums and routers that counters do not see
        backbone = getattr(model, 'backbone', None)
        if hasattr(backbone, 'extra_macs') and len(shape) == 4:
            extra = backbone.extra_macs(shape[1:])
            print(f"graph extra (analytic): aggregation {extra['aggregation'] / 1e6:.2f}M "
                  f"(weighted sums, invisible to the count above), routers "
                  f"{extra['router'] / 1e6:.2f}M (pooling + FC; the count may include part)")


if __name__ == '__main__':
    main()
