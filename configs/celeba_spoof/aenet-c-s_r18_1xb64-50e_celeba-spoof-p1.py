# AENet_{C,S}: live/spoof + attribute, spoof-type and illumination heads.
# CelebA-Spoof protocol 1 (metas/protocol1), the released recipe (SGD lr 5e-3, 50 epochs).
_base_ = [
    './_base_/aenet-c-s-g_r18.py',
    './_base_/celeba-spoof_intra_bs64.py',
    './_base_/schedule_sgd-5e-3_50e.py',
]

model = dict(head=dict(with_semantic=True, with_geometric=False))

# no geometric heads: the depth/reflection maps are not loaded
train_dataloader = dict(dataset=dict(
    ann_file='metas/protocol1/train_label.json',
    depth_prefix=None, reflect_prefix=None,
    pipeline={{_base_.train_pipeline_no_maps}}))
val_dataloader = dict(dataset=dict(ann_file='metas/protocol1/test_label.json'))
test_dataloader = val_dataloader
