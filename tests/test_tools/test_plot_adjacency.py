"""tools/analysis_tools/plot_adjacency.py: mean per-stage adjacency of a DG model's checkpoint."""
import json

import torch
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope

from tests.conftest import REPO_ROOT, run_tool

CFG = 'configs/dgnet/dgnet-resnet18-tiny_1xb64-10e_digits.py'


def test_mean_adjacency_of_a_checkpoint(tmp_path, digits_root):
    import projects.dgnet  # noqa: F401
    init_default_scope('mmpretrain')
    model = MODELS.build(Config.fromfile(f'{REPO_ROOT}/{CFG}').model)
    # stage 2: edges leaving node 0 forced off (bias -30 -> weight ~1e-13 > 0, tau 0.4 prunes)
    for stage in model.backbone.graph_stages():  # every edge weight exactly 0.5 ...
        for r in stage.edge_source.routers:
            r.fc.weight.data.zero_()
            r.fc.bias.data.zero_()
    router = model.backbone.layer2.edge_source.routers[1]  # ... but node 0's of stage 2
    router.fc.weight.data.zero_()
    router.fc.bias.data.fill_(-30.0)
    ckpt = tmp_path / 'model.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    out = tmp_path / 'adj.png'
    proc = run_tool(['tools/analysis_tools/plot_adjacency.py', CFG, str(ckpt), '--out', str(out),
                     '--max-images', '100', '--cfg-options', 'model.backbone.edge_threshold=0.4'])
    assert out.is_file() and 'kept' in proc.stdout
    result = json.loads((tmp_path / 'adj.json').read_text())
    assert result['stages'] == [f'backbone.layer{i}' for i in range(1, 5)]
    assert result['images'] >= 100
    a = torch.tensor(result['mean'][1])
    assert torch.count_nonzero(torch.tril(a)) == 0
    assert torch.all(a[1] == 0)  # node 0's out-edges are pruned for every image
    # node 0 has 2 of the 5 edges of a 2-block stage; the other 3 and all other stages are kept
    assert abs(result['kept'][1] - 3 / 5) < 1e-9
    assert result['kept'][0] == result['kept'][2] == result['kept'][3] == 1.0
