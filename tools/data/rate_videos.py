"""Placeholder: the generator of this embedded data set is being written (see its method issue)."""
VERSION = 0


def generate(out_dir: str) -> dict:
    raise NotImplementedError('rate_videos: generator not written yet')
