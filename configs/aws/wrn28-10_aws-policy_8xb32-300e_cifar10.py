# Final training of WRN-28-10 on CIFAR-10 with a searched AWS policy: the CIFAR-100 recipe
# (wrn28-10_aws-policy_8xb32-300e_cifar100.py) on CIFAR-10.
_base_ = './wrn28-10_aws-policy_8xb32-300e_cifar100.py'

aws_policy_file = ('work_dirs/aws-search_wrn28-10_8xb32-200e-350loops_cifar10/aws_search/'
                   'best_policy.json')
data_preprocessor = dict(num_classes=10, mean=[125.307, 122.961, 113.8575],
                         std=[51.5865, 50.847, 51.255], to_rgb=False)
model = dict(head=dict(num_classes=10))
train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='AWSPolicyAugment', policy=aws_policy_file),
    dict(type='Cutout', shape=16, pad_val=0, prob=1.0),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(type='CIFAR10', data_root='data/cifar10',
                                     pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(type='CIFAR10', data_root='data/cifar10/'))
test_dataloader = val_dataloader
