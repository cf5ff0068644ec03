"""tools/analysis_tools/plot_scalars.py reads mmengine's scalars.json files and plots them."""
import json

from tools.analysis_tools.plot_scalars import plot, read_scalars


def _write(folder, records):
    path = folder / 'vis_data'
    path.mkdir(parents=True)
    (path / 'scalars.json').write_text('\n'.join(json.dumps(r) for r in records) + '\n')


def test_read_scalars_merges_resumed_runs_by_step(tmp_path):
    _write(tmp_path / '20260101_000000', [{'loss': 2.0, 'lr': 0.1, 'step': 10},
                                          {'loss': 1.5, 'step': 20},
                                          {'accuracy/top1': 40.0, 'step': 1}])
    # the resumed run logs step 20 again and goes on
    _write(tmp_path / '20260101_010000', [{'loss': 1.4, 'step': 20}, {'loss': 1.0, 'step': 30},
                                          {'accuracy/top1': 70.0, 'step': 2}])
    series = read_scalars(str(tmp_path))
    assert series['loss'] == [(10, 2.0), (20, 1.4), (30, 1.0)]
    assert series['accuracy/top1'] == [(1, 40.0), (2, 70.0)]
    assert series['lr'] == [(10, 0.1)]


def test_plot_draws_present_keys_only(tmp_path):
    run = tmp_path / 'run'
    _write(run / '20260101_000000', [{'loss': 2.0, 'step': 1}, {'loss': 1.0, 'step': 2}])
    out = tmp_path / 'c.png'
    assert plot([str(run)], ['loss', 'coco/bbox_mAP'], str(out)) == ['loss']
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
