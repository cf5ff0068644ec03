"""End to end: the tiny chain 4 -> 3 -> 2 bit -> search -> export -> test, in one process.

The real tiny configs with a few iterations (64-image subsets): every stage loads every key of
the previous one, the search writes its Pareto JSON under the MACs limit, and the exported static
subnet tests with exactly the accuracy of the 2-bit supernet with that subnet set (the issue's
acceptance criterion).
"""
import copy
import json
import os.path as osp

import pytest
from mmengine.config import Config

C = 'configs/oqa/'
STAGES = (('b4', C + 'oqa-mbv3-tiny_4bit-supernet_1xb64-2e_digits.py'),
          ('b3', C + 'oqa-mbv3-tiny_3bit-supernet_1xb64-1e_digits.py'),
          ('b2', C + 'oqa-mbv3-tiny_2bit-supernet_1xb64-1e_digits.py'))
SEARCH = C + 'oqa-mbv3-tiny_2bit-search_digits.py'


def _small(cfg, work_dir, name, load_from):
    """Subsets, no workers, one short epoch, small BN re-calibration."""
    cfg.work_dir, cfg.experiment_name, cfg.load_from = work_dir, name, load_from
    for key, n in (('train_dataloader', 128), ('val_dataloader', 60), ('test_dataloader', 60)):
        loader = cfg[key] = copy.deepcopy(cfg[key])
        loader.update(num_workers=0, persistent_workers=False)
        loader.dataset.indices = n
    cfg.default_hooks.logger.interval = 1
    for hook in cfg.get('custom_hooks', []):
        if hook['type'] == 'OQABNRecalibHook':
            hook.update(num_images=64, batch_size=64)
    return cfg


def _train(cfg):
    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def _test_top1(cfg, checkpoint, dump):
    """top-1 through the test loop; the predicted scores are dumped to ``dump``."""
    from mmengine.runner import Runner
    cfg.load_from = checkpoint
    cfg.test_evaluator = [dict(type='Accuracy', topk=(1, )),
                          dict(type='DumpResults', out_file_path=dump)]
    return Runner.from_cfg(cfg).test()['accuracy/top1']


def _scores(dump):
    import pickle

    import torch
    with open(dump, 'rb') as f:
        return torch.stack([r['pred_score'] for r in pickle.load(f)])


@pytest.mark.slow
def test_tiny_chain_train_inherit_search_export_test(tmp_path, digits_root):
    from projects.oqa.export import export
    ckpt = None
    for name, path in STAGES:
        cfg = _small(Config.fromfile(path), str(tmp_path / name), 'oqa_chain_' + name, ckpt)
        cfg.train_cfg.update(max_epochs=1, val_interval=1)
        cfg.param_scheduler[0].update(T_max=1, end=1)
        cfg.default_hooks.checkpoint.interval = 1
        runner = _train(cfg)
        assert runner.model.backbone.bits == int(name[1])
        ckpt = str(tmp_path / name / 'epoch_1.pth')
        assert osp.isfile(ckpt)
    # search on the 2-bit supernet under the config's FP-MACs limit
    cfg = _small(Config.fromfile(SEARCH), str(tmp_path / 'search'), 'oqa_chain_search', ckpt)
    cfg.train_cfg.update(population=4, generations=1, calib_images=64)
    _train(cfg)
    with open(tmp_path / 'search' / 'pareto_2bit.json') as f:
        pareto = json.load(f)
    limit = cfg.train_cfg.constraint['max']
    assert pareto['best']['fp_macs_M'] * 1e6 <= limit
    arch = pareto['best']['arch']
    # supernet with the subnet set vs the exported static model, both through the test loop
    stage = _small(Config.fromfile(STAGES[-1][1]), str(tmp_path / 'test_sup'), 'oqa_chain_ts',
                   None)
    stage.model.subnet = arch
    top1_supernet = _test_top1(stage, ckpt, str(tmp_path / 'sup.pkl'))
    export_cfg = _small(Config.fromfile(STAGES[-1][1]), str(tmp_path / 'exp'), 'oqa_chain_ex',
                        None)
    export(export_cfg, ckpt, arch, str(tmp_path / 'sub2'))
    deploy = _small(Config.fromfile(str(tmp_path / 'sub2.py')), str(tmp_path / 'test_exp'),
                    'oqa_chain_te', None)
    assert deploy.model.backbone.type == 'OQAMobileNetV3' and deploy.model.backbone.bits == 2
    assert deploy.model.backbone.signed_act == stage.model.backbone.signed_act
    top1_exported = _test_top1(deploy, str(tmp_path / 'sub2.pth'), str(tmp_path / 'exp.pkl'))
    assert top1_exported == pytest.approx(top1_supernet, abs=1e-6)
    # not only the same accuracy: the same scores for every test image
    import torch
    sup, exp = _scores(str(tmp_path / 'sup.pkl')), _scores(str(tmp_path / 'exp.pkl'))
    assert sup.shape == (60, 10) and sup.std(0).max() > 0  # input-dependent scores
    torch.testing.assert_close(exp, sup, atol=1e-5, rtol=1e-4)
