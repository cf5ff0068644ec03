"""The CPU allocator setting the DG benchmark and the tools apply (projects/common/allocator.py)."""
import os.path as osp
import subprocess
import sys

import pytest

from projects.common.allocator import apply_cpu_allocator, glibc_tunables
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
