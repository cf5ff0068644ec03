# Cross-dataset test: AENet_{C,S,G} trained on CelebA-Spoof (intra-test training set), tested
# on CASIA-MFSD's 30 test subjects, every frame scored (issues #58, #60), HTER reported.
# CASIA-MFSD ships videos without face boxes; this config expects the frames extracted and
# face-cropped by the user (any face detector), listed as "<path> <0|1>" (1 = spoof) in
# data/CASIA_MFSD/test_frames.txt. Threshold: the EER threshold of the CelebA-Spoof test scores
# that the intra config's test run writes (<work_dir>/<timestamp>/spoof_scores.json); set it
# with --cfg-options test_evaluator.threshold=<that file>. HTER depends on both the frame
# sampling and this threshold source; the README states the ones used.
_base_ = ['./aenet-c-s-g_r18_1xb64-50e_celeba-spoof-intra.py']

casia_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='PackAntiSpoofInputs'),
]
test_dataloader = dict(
    batch_size=128,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='CelebASpoofDataset', data_root='data/CASIA_MFSD',
                 ann_file='test_frames.txt', with_bbox=False, pipeline=casia_pipeline))
test_evaluator = dict(
    type='FaceAntiSpoofMetric', aux_accuracy=False, prefix='casia',
    threshold='work_dirs/aenet-c-s-g_r18_1xb64-50e_celeba-spoof-intra/spoof_scores.json')
