"""mmpapers: ten 2020 computer-vision papers as OpenMMLab plugins.

The OpenMMLab stack has a compiled part (mmcv) and pinned versions: use ``bash
tools/setup_env.sh`` (what ``make demo`` and ``make test`` call) to build the environment.
``pip install -e .`` in that environment installs the ``projects`` package.
"""
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def parse_requirements(fname: str) -> list:
    """Read a requirements file, following ``-r`` includes and dropping comments."""
    reqs = []
    with open(osp.join(HERE, fname)) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            if line.startswith('-r '):
                reqs += parse_requirements(
                    osp.join(osp.dirname(fname), line[3:].strip()))
            else:
                reqs.append(line)
    return reqs


setup(
    name='mmpapers',
    version='0.1.0',
    description='Ten 2020 computer-vision papers implemented as OpenMMLab plugins',
    long_description=open(osp.join(HERE, 'README.md')).read() if osp.exists(
        osp.join(HERE, 'README.md')) else '',
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    python_requires='>=3.10',
    packages=find_packages(include=['projects', 'projects.*']),
    install_requires=parse_requirements('requirements/runtime.txt') +
    parse_requirements('requirements/mminstall.txt'),
    extras_require={
        'tests': parse_requirements('requirements/tests.txt'),
        'build': parse_requirements('requirements/build.txt'),
    },
    zip_safe=False,
)
