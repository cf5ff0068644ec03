# AENet_{C,S,G} (the released model): ImageNet ResNet-18, layer4 map (no neck) into AENetHead.
# Input in [0, 1] without mean/std (the release's ToTensor only): mean 0, std 255, BGR->RGB.
custom_imports = dict(imports=['projects.celeba_spoof'], allow_failed_imports=False)
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(num_classes=2, mean=[0., 0., 0.], std=[255., 255., 255.],
                           to_rgb=True),
    backbone=dict(
        type='ResNet', depth=18, num_stages=4, out_indices=(3, ), style='pytorch',
        init_cfg=dict(
            type='Pretrained', prefix='backbone',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/resnet/'
            'resnet18_8xb32_in1k_20210831-fbbb1da6.pth')),
    head=dict(
        type='AENetHead', in_channels=512, num_classes=2, with_semantic=True,
        with_geometric=True, with_env=False,
        # lam_f = 1, lam_s = 0.1, lam_i = 0.01 (paper via issue #8); lam_d = lam_r = 0.1 [R]
        loss_weights=dict(live=1.0, attr=1.0, spoof_type=0.1, illum=0.01, depth=0.1,
                          reflect=0.1),
        attr_on_spoof=True, map_size=14),
)
