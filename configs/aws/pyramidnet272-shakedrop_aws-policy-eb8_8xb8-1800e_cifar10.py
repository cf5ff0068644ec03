# PyramidNet-272 + ShakeDrop on CIFAR-10 with a searched AWS policy AND Enlarged Batch (M = 8):
# the model and setting of the paper's best single-model number (1.24 % top-1 error, the
# paper's), which uses EB with M = 8 (recalled [R]). The recipe of
# pyramidnet272-shakedrop_aws-policy_8xb8-1800e_cifar10.py (itself recalled [R]) with 8
# independently augmented copies of every image per step (8 x 8 = 64 samples per GPU step,
# same iterations per epoch); keeping the non-EB lr, epochs and batch is ours [D].
# The policy file: --cfg-options "train_dataloader.dataset.dataset.pipeline.2.policy=<json>"
_base_ = './pyramidnet272-shakedrop_aws-policy_8xb8-1800e_cifar10.py'

train_dataloader = dict(
    collate_fn=dict(type='aws_enlarged_collate'),
    dataset=dict(_delete_=True, type='AWSEnlargedBatch', copies=8,
                 dataset=dict(type='CIFAR10', data_root='data/cifar10', split='train',
                              pipeline={{_base_.train_pipeline}})))
