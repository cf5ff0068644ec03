# AENet_{C,S,G}: every head of the release.
# CelebA-Spoof protocol 2 (metas/protocol2), the released recipe (SGD lr 5e-3, 50 epochs).
_base_ = [
    './_base_/aenet-c-s-g_r18.py',
    './_base_/celeba-spoof_intra_bs64.py',
    './_base_/schedule_sgd-5e-3_50e.py',
]

train_dataloader = dict(dataset=dict(
    ann_file='metas/protocol2/train_label.json'))
val_dataloader = dict(dataset=dict(ann_file='metas/protocol2/test_label.json'))
test_dataloader = val_dataloader
