"""The CPU allocator setting the DG benchmark and the tools apply (projects/common/allocator.py)."""
import os
import os.path as osp
import subprocess
import sys

import pytest

import projects.common.allocator as allocator_mod
from projects.common.allocator import apply_cpu_allocator, find_tcmalloc, glibc_tunables
from tests.conftest import REPO_ROOT

TOOLS = ['tools/train.py', 'tools/test.py']


def test_default_changes_nothing(monkeypatch):
    assert apply_cpu_allocator('default') is False
    monkeypatch.setenv('MMPAPERS_CPU_ALLOCATOR', 'default')
    assert apply_cpu_allocator() is False


def test_bad_setting_names_the_variable_and_the_choices():
    with pytest.raises(ValueError, match="MMPAPERS_CPU_ALLOCATOR.*'glibc-tuned'"):
        apply_cpu_allocator('jemalloc')


def test_tunables_string():
    assert glibc_tunables() == ('glibc.malloc.trim_threshold=1073741824:'
                                'glibc.malloc.mmap_threshold=33554432:'
                                'glibc.malloc.top_pad=67108864')


@pytest.mark.parametrize('tool', TOOLS)
@pytest.mark.parametrize('cuda', [False, True])
def test_tools_tune_malloc_only_without_cuda(tool, cuda, monkeypatch):
    # every process of dist_*.sh / slurm_*.sh runs these tools, so this covers them too
    import importlib.util

    import torch

    import projects.common.allocator as allocator
    sys.path.insert(0, osp.join(REPO_ROOT, 'tools'))
    spec = importlib.util.spec_from_file_location(f'_tool_{osp.basename(tool)[:-3]}',
                                                  osp.join(REPO_ROOT, tool))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    calls = []
    monkeypatch.setattr(module, 'apply_cpu_allocator', lambda **kw: calls.append(kw))
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: cuda)
    module._apply_cpu_allocator()
    assert calls == ([] if cuda else [dict(logger=None)])


_CHILD = r'''
import resource, sys, torch
sys.path.insert(0, {root!r})
torch.set_num_threads(1)
from projects.common.allocator import apply_cpu_allocator
assert apply_cpu_allocator('glibc-tuned', logger=None)
from projects.dgnet import DGResNet
model = DGResNet(50)
model.eval()
x = torch.rand(1, 3, 224, 224)
faults = []
with torch.no_grad():
    for _ in range(6):
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        model(x)
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
print(min(faults[2:]))  # after the heap has reached its size
'''


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='glibc only')
def test_tuned_malloc_stops_the_page_faults_of_a_dg_forward():
    # glibc's defaults return the freed node outputs of every stage to the kernel and fault
    # them back the next forward (about 7,000 minor faults per DG-ResNet-50 forward at 224 on
    # the project's machine); tuned, the pages stay mapped after the first forwards
    proc = subprocess.run([sys.executable, '-c', _CHILD.format(root=REPO_ROOT)],
                          capture_output=True, text=True, check=True)
    assert int(proc.stdout.strip().splitlines()[-1]) < 1000


_PRELOAD_CHILD = r"""
import os, sys
sys.path.insert(0, {tools!r})
print('pid', os.getpid(), flush=True)
import _preload
_preload.preload()
print('loaded', _preload._load_allocator().tcmalloc_loaded(), os.getpid())
"""


def _run_preload_child(tmp_path, setting):
    script = tmp_path / 'child.py'
    script.write_text(_PRELOAD_CHILD.format(tools=osp.join(REPO_ROOT, 'tools')))
    env = {k: v for k, v in os.environ.items()
           if k not in ('LD_PRELOAD', '_MMPAPERS_TCMALLOC_PRELOADED')}
    env['MMPAPERS_CPU_ALLOCATOR'] = setting
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=env, check=True).stdout.split()


@pytest.mark.skipif(find_tcmalloc() is None or allocator_mod.has_cuda_devices(),
                    reason='needs tools/fetch_tcmalloc.sh to have run, and no CUDA device')
def test_preload_reexecutes_once_with_tcmalloc_keeping_the_pid(tmp_path):
    out = _run_preload_child(tmp_path, 'auto')
    # the script starts twice (before and after execv) in one process, then tcmalloc is mapped
    assert out[0::2][:2] == ['pid', 'pid'] and out[1] == out[3]
    assert out[-3:] == ['loaded', 'True', out[1]]


@pytest.mark.skipif(allocator_mod.has_cuda_devices(), reason='no CUDA device')
def test_preload_leaves_other_settings_alone(tmp_path):
    out = _run_preload_child(tmp_path, 'glibc-tuned')
    assert out == ['pid', out[1], 'loaded', 'False', out[1]]


def test_tcmalloc_setting_without_the_library_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv('MMPAPERS_CPU_ALLOCATOR', 'tcmalloc')
    monkeypatch.delenv('_MMPAPERS_TCMALLOC_PRELOADED', raising=False)
    monkeypatch.setattr(allocator_mod, 'tcmalloc_search_dirs', lambda: [str(tmp_path)])
    monkeypatch.setattr(allocator_mod, 'tcmalloc_loaded', lambda: False)
    monkeypatch.setattr(allocator_mod, 'has_cuda_devices', lambda: False)
    with pytest.raises(ValueError, match=r'libtcmalloc_minimal\.so\.4 not found in .*'
                                         r'fetch_tcmalloc\.sh'):
        allocator_mod.preload_tcmalloc()
    # and in a process that was not preloaded, asking for tcmalloc is an error, not a no-op
    with pytest.raises(ValueError, match='tcmalloc is not loaded in this process'):
        apply_cpu_allocator('tcmalloc', logger=None)


_TCMALLOC_CHILD = _CHILD.replace("assert apply_cpu_allocator('glibc-tuned', logger=None)",
                                 "assert apply_cpu_allocator('tcmalloc', logger=None)")


@pytest.mark.skipif(not sys.platform.startswith('linux') or find_tcmalloc() is None,
                    reason='needs tools/fetch_tcmalloc.sh to have run')
def test_tcmalloc_stops_the_page_faults_of_a_dg_forward():
    env = dict(os.environ, LD_PRELOAD=find_tcmalloc())
    proc = subprocess.run([sys.executable, '-c', _TCMALLOC_CHILD.format(root=REPO_ROOT)],
                          capture_output=True, text=True, check=True, env=env)
    assert int(proc.stdout.strip().splitlines()[-1]) < 1000
