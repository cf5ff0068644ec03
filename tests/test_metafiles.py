"""The OpenMMLab model index: every config is listed once, every entry is a real config, and
every result quotes the committed JSON it comes from.

``model-index.yml`` imports one ``configs/<folder>/metafile.yml`` per config folder (the format
of mmdet's and mmpretrain's ``.mim`` metafiles, read by ``mim`` and the model-zoo pages). Found
by glob, so a new method folder or config is checked without editing this test.
``python tools/model_index.py`` rewrites the metafiles.
"""
import glob
import json
import os.path as osp
import re

import pytest
import yaml

from tests.conftest import REPO_ROOT

CONFIG_DIRS = sorted(d for d in glob.glob(osp.join(REPO_ROOT, 'configs', '*'))
                     if osp.isdir(d) and osp.basename(d) != '_base_')
ALL_CONFIGS = sorted(
    osp.relpath(p, REPO_ROOT)
    for p in glob.glob(osp.join(REPO_ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in osp.relpath(p, REPO_ROOT).split(osp.sep))
# ``Metric: 12.34  # from <file>.json: /json/pointer [x100]``
SOURCE = re.compile(r'^\s*(?P<metric>[^:#]+):\s*(?P<value>-?[\d.]+)\s*#\s*from\s+'
                    r'(?P<file>\S+\.json):\s*(?P<pointer>/.*?)(?:\s+x(?P<scale>[\d.]+))?\s*$')


def _rel(path: str) -> str:
    return osp.relpath(path, REPO_ROOT)


def _load(path: str) -> dict:
    with open(osp.join(REPO_ROOT, path)) as f:
        return yaml.safe_load(f)


def _index() -> dict:
    return _load('model-index.yml')


def _metafiles() -> list:
    return list(_index()['Import'])


def _models() -> list:
    return [(meta, model) for meta in _metafiles() for model in _load(meta).get('Models', [])]


def test_model_index_imports_one_metafile_per_config_folder():
    expected = sorted(_rel(osp.join(d, 'metafile.yml')) for d in CONFIG_DIRS)
    assert sorted(_metafiles()) == expected


@pytest.mark.parametrize('folder', [_rel(d) for d in CONFIG_DIRS])
def test_metafile_lists_every_config_of_its_folder_once(folder):
    meta = f'{folder}/metafile.yml'
    listed = [m['Config'] for m in _load(meta).get('Models', [])]
    configs = [c for c in ALL_CONFIGS if c.startswith(folder + '/')]
    duplicates = sorted({c for c in listed if listed.count(c) > 1})
    assert not duplicates, f'{meta} lists these configs more than once: {duplicates}'
    assert sorted(listed) == configs, (
        f'{meta}: missing {sorted(set(configs) - set(listed))}, '
        f'not a config here {sorted(set(listed) - set(configs))} '
        '(python tools/model_index.py rewrites it)')


def test_every_config_appears_in_exactly_one_metafile():
    listed = [model['Config'] for _, model in _models()]
    assert sorted(listed) == ALL_CONFIGS


def test_entries_are_well_formed():
    names = [model['Name'] for _, model in _models()]
    assert len(names) == len(set(names)), 'model names must be unique'
    for meta in _metafiles():
        data = _load(meta)
        collections = {c['Name']: c for c in data['Collections']}
        for c in collections.values():
            assert c['Paper']['URL'].startswith('https://') and c['Paper']['Title'], c['Name']
            assert 'Training Resources' in c['Metadata'], c['Name']
        for model in data['Models']:
            where = f"{meta}: {model['Name']}"
            stem = osp.splitext(osp.basename(model['Config']))[0]
            # a file name used in two folders is prefixed with its folder to stay unique
            assert model['Name'] in (stem, f"{model['Config'].split('/')[1]}_{stem}"), where
            assert model['In Collection'] in collections, where
            assert osp.isfile(osp.join(REPO_ROOT, model['Config'])), where
            assert 'Weights' not in model, f'{where}: no weights are published'
            for result in model.get('Results', []):
                assert {'Task', 'Dataset', 'Metrics'} <= set(result), where
                assert result['Metrics'], where


def _pointer(data, pointer: str):
    """JSON pointer; a ``[key=value]`` segment picks the one list item with that key/value."""
    for part in pointer.strip('/').split('/'):
        select = re.fullmatch(r'\[(.+?)=(.+)\]', part)
        if select:
            matches = [d for d in data if str(d.get(select[1])) == select[2]]
            assert len(matches) == 1, f'{pointer}: {len(matches)} items match {part}'
            data = matches[0]
        else:
            data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def test_pointer_selects_list_items_by_key():
    data = {'runs': [{'model': 'a', 'v': 1}, {'model': 'b', 'v': 2}]}
    assert _pointer(data, '/runs/[model=b]/v') == 2 and _pointer(data, '/runs/0/v') == 1


def test_every_result_is_a_field_of_a_committed_json():
    quoted = 0
    for meta in _metafiles():
        with open(osp.join(REPO_ROOT, meta)) as f:
            lines = f.read().splitlines()
        sources = {}
        for line in lines:
            match = SOURCE.match(line)
            if match:
                sources[(match['metric'].strip().strip('"\''), float(match['value']))] = match
        for model in _load(meta).get('Models', []):
            for result in model.get('Results', []):
                for metric, value in result['Metrics'].items():
                    match = sources.get((metric, float(value)))
                    assert match, f'{meta}: {model["Name"]} {metric}: {value} names no source'
                    with open(osp.join(REPO_ROOT, match['file'])) as f:
                        field = _pointer(json.load(f), match['pointer'])
                    expected = round(float(field) * float(match['scale'] or 1), 2)
                    assert float(value) == pytest.approx(expected, abs=1e-9), (
                        f"{meta}: {model['Name']} {metric} = {value}, but {match['file']} "
                        f"{match['pointer']} gives {expected} (python tools/model_index.py "
                        'rewrites it)')
                    quoted += 1
    assert quoted > 0
