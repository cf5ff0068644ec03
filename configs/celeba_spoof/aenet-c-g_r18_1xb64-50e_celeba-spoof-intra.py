# AENet_{C,G}: live/spoof + depth and reflection heads.
# CelebA-Spoof intra-dataset test (metas/intra_test), the released recipe (SGD lr 5e-3, 50 epochs).
_base_ = [
    './_base_/aenet-c-s-g_r18.py',
    './_base_/celeba-spoof_intra_bs64.py',
    './_base_/schedule_sgd-5e-3_50e.py',
]

model = dict(head=dict(with_semantic=False, with_geometric=True))
