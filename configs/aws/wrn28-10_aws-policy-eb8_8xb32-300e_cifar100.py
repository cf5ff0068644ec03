# Final training of WRN-28-10 on CIFAR-100 with a searched AWS policy AND Enlarged Batch (M = 8):
# the recipe of wrn28-10_aws-policy_8xb32-300e_cifar100.py, but every image of a batch enters
# the step as 8 independently augmented copies (own crop, flip, AWS pair and Cutout), so each
# GPU step holds 32 images x 8 = 256 samples and an epoch is 50k images = 400k samples with
# the same number of iterations. The paper's headline numbers use EB with M = 8 (recalled [R],
# the trick of Adversarial AutoAugment; the official pre-release has no EB). Keeping the lr,
# epochs and batch of the non-EB recipe is ours [D]. See projects/aws/enlarged_batch.py.
# The policy file: --cfg-options "train_dataloader.dataset.dataset.pipeline.2.policy=<json>"
_base_ = './wrn28-10_aws-policy_8xb32-300e_cifar100.py'

train_dataloader = dict(
    collate_fn=dict(type='aws_enlarged_collate'),
    dataset=dict(_delete_=True, type='AWSEnlargedBatch', copies=8,
                 dataset=dict(type='CIFAR100', data_root='data/cifar100', split='train',
                              pipeline={{_base_.train_pipeline}})))
