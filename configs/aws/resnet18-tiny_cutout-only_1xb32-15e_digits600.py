# Comparison arm of resnet18-tiny_aws-policy_1xb32-15e_digits600.py without any AWS op pair
# (crop + Cutout, the official `retrain_only_cutout` baseline); everything else identical.
_base_ = './resnet18-tiny_aws-policy_1xb32-15e_digits600.py'

train_dataloader = dict(dataset=dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='RandomCrop', crop_size=32, padding=2),
    dict(type='Cutout', shape=8, pad_val=0, prob=1.0),
    dict(type='PackInputs'),
])))
