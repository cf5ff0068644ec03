# CelebA-Spoof in its released layout under data_root (see projects/celeba_spoof/README.md):
# Data/, metas/ and, for the geometric heads, the generated maps under depth/ and reflection/.
# The release has no validation split: validation runs on the test list, with the EER
# threshold of the evaluated set (the "test threshold" line of CDCN's script).
dataset_type = 'CelebASpoofDataset'
data_root = 'data/CelebA_Spoof'
ann_dir = 'metas/intra_test'

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='CropFaceFromBBoxFile'),  # 224-space box, clamped, crop before resize
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4),  # strengths [D]
    dict(type='LoadGeometryMaps', map_size=14),
    dict(type='PackAntiSpoofInputs'),
]
# the pipeline of the variants without geometric heads (no maps loaded)
train_pipeline_no_maps = [t for t in train_pipeline if t['type'] != 'LoadGeometryMaps']
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='CropFaceFromBBoxFile'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='PackAntiSpoofInputs'),
]
train_dataloader = dict(
    batch_size=64,  # the release's batch size is unknown [D]
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file=f'{ann_dir}/train_label.json',
                 depth_prefix='depth', reflect_prefix='reflection', pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file=f'{ann_dir}/test_label.json',
                 pipeline=test_pipeline),
)
val_evaluator = dict(type='FaceAntiSpoofMetric', threshold='eer')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
