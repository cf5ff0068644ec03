# Evaluate one published OQA 3-bit Pareto subnet (official README, 59.499 M FP MACs at
# 128 px; published top-1 53.416 %) from the 3-bit supernet checkpoint, with BN
# re-calibration on 2000 train images and the official 128 / 0.875 resize + 128 center crop:
#   python tools/test.py configs/oqa/oqa-mbv3_3bit-deploy-59M_in1k.py <3-bit supernet .pth>
# Other subnets of the family: --cfg-options model.subnet="<-ks ... -es ... -d ... -is N>".
_base_ = ['./_base_/oqa-mbv3_in1k.py']
bits = 3
test_resolution = 128
model = dict(
    backbone=dict(bits=bits),
    subnet='-ks 7 3 5 3 5 3 3 3 5 5 3 3 5 5 5 5 3 7 7 7 -es 3 4 3 4 3 3 6 6 4 4 6 6 6 4 4 4 3 4 3 6 -d 2 2 3 2 2 -is 128')
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=int(test_resolution / 0.875), edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=test_resolution),
    dict(type='PackInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
load_from = 'work_dirs/oqa-mbv3_3bit-supernet_8xb128-60e_in1k/epoch_60.pth'
