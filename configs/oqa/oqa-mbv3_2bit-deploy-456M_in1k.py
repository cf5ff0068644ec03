# Evaluate one published OQA 2-bit Pareto subnet (official README, 455.741 M FP MACs at
# 224 px; published top-1 64.148 %) from the 2-bit supernet checkpoint, with BN
# re-calibration on 2000 train images and the official 224 / 0.875 resize + 224 center crop:
#   python tools/test.py configs/oqa/oqa-mbv3_2bit-deploy-456M_in1k.py <2-bit supernet .pth>
# Other subnets of the family: --cfg-options model.subnet="<-ks ... -es ... -d ... -is N>".
_base_ = ['./_base_/oqa-mbv3_in1k.py']
bits = 2
test_resolution = 224
model = dict(
    backbone=dict(bits=bits),
    subnet='-ks 5 5 7 5 7 5 5 3 5 5 3 5 3 7 5 5 7 7 3 7 -es 6 6 4 4 6 4 6 4 6 4 6 6 6 6 6 6 6 6 6 6 -d 4 4 4 4 4 -is 224')
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=int(test_resolution / 0.875), edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=test_resolution),
    dict(type='PackInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
load_from = 'work_dirs/oqa-mbv3_2bit-supernet_8xb128-60e_in1k/epoch_60.pth'
