# CIFAR-10 ResNet-18 (mmpretrain's resnet18_8xb16_cifar10 model and data, batch 128), 200 epochs
# with cosine decay and weight decay 5e-4, trained with SGD with momentum 0.9. The same schedule for every optimizer of
# configs/adarem/resnet18_8xb16-*-coslr-200e_cifar10.py.
_base_ = 'mmpretrain::resnet/resnet18_8xb16_cifar10.py'

optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(_delete_=True, type='CosineAnnealingLR', by_epoch=True, T_max=200)
train_cfg = dict(max_epochs=200)
vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
