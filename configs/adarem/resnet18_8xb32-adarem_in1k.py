# ResNet-18 on ImageNet-1k trained with AdaRem (projects/adarem): the recipe of
# resnet18_8xb32-sgd_in1k.py with AdaRem in place of SGD-momentum, same lr 0.1 and schedule.
# The paper's ImageNet lr / batch / schedule are unverified; lr 0.1 at batch 256 follows the
# public reading's default of 0.4 at (we assume) batch 1024 with linear scaling (our choice).
_base_ = 'mmpretrain::resnet/resnet18_8xb32_in1k.py'

custom_imports = dict(imports=['projects.adarem'], allow_failed_imports=False)

optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdaRem', lr=0.1, beta=0.9, lam=0.999,
                   weight_decay=0.0001),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
