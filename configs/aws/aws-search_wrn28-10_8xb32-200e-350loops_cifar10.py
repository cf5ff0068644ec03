# AWS policy search, CIFAR-10, WRN-28-10: the CIFAR-100 recipe on CIFAR-10 (the official
# pre-release documents one CIFAR recipe; that it is identical for CIFAR-10 is our reading).
_base_ = './aws-search_wrn28-10_8xb32-200e-350loops_cifar100.py'

num_classes = 10
data_preprocessor = dict(num_classes=10, mean=[125.307, 122.961, 113.8575],
                         std=[51.5865, 50.847, 51.255], to_rgb=False)
model = dict(head=dict(num_classes=num_classes))
train_dataloader = dict(dataset=dict(dataset=dict(type='CIFAR10', data_root='data/cifar10')))
val_dataloader = dict(dataset=dict(dataset=dict(type='CIFAR10', data_root='data/cifar10')))
test_dataloader = dict(dataset=dict(type='CIFAR10', data_root='data/cifar10'))
