# mmdet's default runtime plus TensorBoard events beside mmengine's scalars.json
# (`tensorboard --logdir work_dirs/<config>`). On machines without CUDA, tools/train.py and
# tools/test.py switch distributed runs from nccl to gloo (projects/common/dist.py).
_base_ = 'mmdet::_base_/default_runtime.py'

vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
