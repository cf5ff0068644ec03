"""tools/analysis_tools/get_flops.py counts a config's model."""
import re

from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope

from tests.conftest import DIGITS_CFG, REPO_ROOT, run_tool


def test_get_flops_counts_the_params_of_the_model():
    proc = run_tool(['tools/analysis_tools/get_flops.py', DIGITS_CFG, '--shape', '32'])
    assert 'input shape: (1, 3, 32, 32)' in proc.stdout
    params = re.search(r'params: ([\d.]+)([KM]?)', proc.stdout)
    scale = {'': 1, 'K': 1e3, 'M': 1e6}[params.group(2)]
    cfg = Config.fromfile(f'{REPO_ROOT}/{DIGITS_CFG}')
    init_default_scope('mmpretrain')
    model = MODELS.build(cfg.model)
    expected = sum(p.numel() for p in model.parameters())
    assert abs(float(params.group(1)) * scale - expected) / expected < 0.01
    flops = re.search(r'flops: ([\d.]+)([KMG]?)', proc.stdout)
    assert float(flops.group(1)) > 0


def test_get_flops_adds_the_analytic_graph_cost_of_dg_backbones():
    cfg = 'configs/dgnet/dgnet-resnet18-tiny_1xb64-10e_digits.py'
    proc = run_tool(['tools/analysis_tools/get_flops.py', cfg, '--shape', '32'])
    line = re.search(r'graph extra \(analytic\): aggregation ([\d.]+)M', proc.stdout)
    assert line, proc.stdout
    import projects.dgnet  # noqa: F401
    init_default_scope('mmpretrain')
    model = MODELS.build(Config.fromfile(f'{REPO_ROOT}/{cfg}').model)
    extra = model.backbone.extra_macs((3, 32, 32))
    assert float(line.group(1)) == round(extra['aggregation'] / 1e6, 2)
