# Runtime additions for the tiny CPU configs: log often, keep the last checkpoints, write
# TensorBoard events beside mmengine's scalars.json. Merge after the host library's runtime.
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2, save_last=True),
)
vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
env_cfg = dict(dist_cfg=dict(backend='nccl'))  # tools/ switch to gloo on CPU-only machines
randomness = dict(seed=0, deterministic=False)
