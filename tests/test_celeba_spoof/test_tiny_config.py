"""The tiny AENet config trains and tests through tools/train.py and tools/test.py."""
import glob
import json
import os.path as osp

from tests.conftest import run_tool

CFG = 'configs/celeba_spoof/aenet-c-s-g_r18-tiny_1xb32-10e_celeba-spoof-tiny.py'
KEYS = ('TPR@FPR=1e-2', 'TPR@FPR=5e-3', 'TPR@FPR=1e-3', 'AUC', 'EER', 'APCER', 'BPCER',
        'ACER', 'HTER', 'threshold', 'spoof_type_acc', 'illum_acc', 'attr_acc_live')


def test_tiny_aenet_trains_and_tests(tmp_path):
    work = str(tmp_path)
    run_tool(['tools/train.py', CFG, '--work-dir', work, '--cfg-options',
              'train_cfg.max_epochs=2', 'train_cfg.val_interval=10',
              'train_dataloader.dataset.indices=96',  # 3 of the 10 iterations per epoch
              'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
              'test_dataloader.num_workers=0'])
    records = []
    for path in glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json')):
        with open(path) as f:
            records += [json.loads(line) for line in f]
    train = [r for r in records if 'loss' in r]
    assert all(f'loss_{k}' in train[-1] for k in ('live', 'attr', 'spoof_type', 'illum',
                                                   'depth', 'reflect'))
    assert train[-1]['loss'] < train[0]['loss']
    run_tool(['tools/test.py', CFG, osp.join(work, 'epoch_2.pth'), '--work-dir', work,
              '--cfg-options', 'test_dataloader.num_workers=0',
              'test_dataloader.dataset.indices=48'])  # 6 subjects, live and spoof
    from tools.demo import read_test_metric
    for key in KEYS:
        assert read_test_metric(work, f'spoof/{key}') is not None, key
    assert glob.glob(osp.join(work, '*', 'spoof_roc.png'))


def test_bad_label_list_stops_tools_train_with_one_line(tmp_path):
    from ._fixtures import ENTRIES, write_dataset
    entries = dict(ENTRIES)
    entries['Data/train/101/live/000002.png'] = entries['Data/train/101/live/000002.png'][:43]
    ann = write_dataset(str(tmp_path / 'data'), entries)
    root = str(tmp_path / 'data')
    with open(tmp_path / 'data/metas/intra_test/test_label.json', 'w') as f:
        json.dump(ENTRIES, f)  # a valid test list: the train list is the one at fault
    proc = run_tool(['tools/train.py', CFG, '--work-dir', str(tmp_path / 'work'),
                     '--cfg-options', f'train_dataloader.dataset.data_root={root}',
                     f'val_dataloader.dataset.data_root={root}'], check=False)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ') and ann in last
    assert "'Data/train/101/live/000002.png'" in last and 'length 43' in last
