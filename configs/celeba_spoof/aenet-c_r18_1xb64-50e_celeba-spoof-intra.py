# AENet_C: the live/spoof head only (a binary ResNet-18).
# CelebA-Spoof intra-dataset test (metas/intra_test), the released recipe (SGD lr 5e-3, 50 epochs).
_base_ = [
    './_base_/aenet-c-s-g_r18.py',
    './_base_/celeba-spoof_intra_bs64.py',
    './_base_/schedule_sgd-5e-3_50e.py',
]

model = dict(head=dict(with_semantic=False, with_geometric=False))

# no geometric heads: the depth/reflection maps are not loaded
train_dataloader = dict(dataset=dict(
    depth_prefix=None, reflect_prefix=None,
    pipeline={{_base_.train_pipeline_no_maps}}))
