# Evaluate one published OQA 4-bit Pareto subnet (official README, 55.385 M FP MACs at
# 128 px; published top-1 60.592 %) from the 4-bit supernet checkpoint, with BN
# re-calibration on 2000 train images and the official 128 / 0.875 resize + 128 center crop:
#   python tools/test.py configs/oqa/oqa-mbv3_4bit-deploy-55M_in1k.py <4-bit supernet .pth>
# Other subnets of the family: --cfg-options model.subnet="<-ks ... -es ... -d ... -is N>".
_base_ = ['./_base_/oqa-mbv3_in1k.py']
bits = 4
test_resolution = 128
model = dict(
    backbone=dict(bits=bits),
    subnet='-ks 3 3 5 3 3 5 5 7 3 5 5 3 5 5 3 5 3 5 7 5 -es 3 3 4 4 3 4 3 3 3 3 3 4 4 3 6 6 6 4 3 3 -d 2 2 3 2 3 -is 128')
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=int(test_resolution / 0.875), edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=test_resolution),
    dict(type='PackInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
load_from = 'work_dirs/oqa-mbv3_4bit-supernet_8xb128-120e_in1k/epoch_120.pth'
