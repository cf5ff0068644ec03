"""Placeholder: the generator of this embedded data set is being written (see its method issue)."""
VERSION = 0


def generate(out_dir: str) -> dict:
    raise NotImplementedError('anet_views: generator not written yet')
