"""Counter: the six README fixtures, the command, BitOPs rule, hooks vs analytic count."""
import json
import os.path as osp

import pytest
import torch

from projects.oqa import OQAMobileNetV3Supernet, count_macs_bitops, count_subnet

FIXTURES = '/work/shared/data/oqa_pareto_fixtures.json'
if not osp.isfile(FIXTURES):
    FIXTURES = osp.join(osp.dirname(__file__), 'oqa_pareto_fixtures.json')
SUBNETS = json.load(open(FIXTURES))['subnets']


def _arch(s):
    return dict(ks=s['ks'], e=s['es'], d=s['d'], resolution=s['resolution'])


@pytest.mark.parametrize('idx', range(len(SUBNETS)))
def test_counter_reproduces_readme(idx):
    s = SUBNETS[idx]
    c = count_subnet(_arch(s), bits=s['bits'])
    assert round(c['fp_macs'] / 1e6, 3) == s['fp_macs_M']
    assert round(c['params'] / 1e6, 3) == s['params_M']
    assert c['bitops'] == c['q_macs'] * s['bits'] ** 2
    assert c['eq_flops'] == c['fp_layer_macs'] + c['q_macs'] * s['bits'] ** 2 / 64


def test_all_six_fixtures_are_checked():
    assert len(SUBNETS) == 6 and {s['bits'] for s in SUBNETS} == {2, 3, 4}


def test_command_json_in_input_order(capsys):
    from tools.analysis_tools.oqa_count import main
    main([FIXTURES, '--json'])
    rows = json.loads(capsys.readouterr().out)
    assert [r['fp_macs_M'] for r in rows] == [s['fp_macs_M'] for s in SUBNETS]
    assert [r['params_M'] for r in rows] == [s['params_M'] for s in SUBNETS]
    assert set(rows[0]) == {'fp_macs_M', 'params_M', 'bitops_G', 'eq_flops_M'}


def test_command_bad_entry_is_one_line(tmp_path, capsys):
    from tools.analysis_tools.oqa_count import main
    bad = dict(SUBNETS[0], ks=[9] + SUBNETS[0]['ks'][1:])
    path = tmp_path / 'bad.json'
    path.write_text(json.dumps(dict(subnets=[bad])))
    with pytest.raises(SystemExit):
        main([str(path)])
    err = capsys.readouterr().err.strip()
    assert '\n' not in err and 'subnets[0]' in err and '9' in err and '[3, 5, 7]' in err


@pytest.mark.parametrize('idx', [0, 3])
def test_module_hook_count_of_exported_net_equals_analytic(idx):
    s = SUBNETS[idx]
    net = OQAMobileNetV3Supernet(bits=s['bits'])
    net.set_subnet(_arch(s))
    static = net.export_subnet()
    head = torch.nn.Linear(1280, 1000)
    model = torch.nn.Sequential(static, _First(), torch.nn.Flatten(1), head)
    c = count_macs_bitops(model, (1, 3, s['resolution'], s['resolution']))
    ref = count_subnet(_arch(s), bits=s['bits'])
    for key in ('fp_macs', 'params', 'bitops', 'q_macs', 'fp_layer_macs'):
        assert c[key] == ref[key], key


class _First(torch.nn.Module):
    def forward(self, x):
        return x[0]
