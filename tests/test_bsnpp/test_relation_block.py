"""ProposalRelationBlock: identity at init, masking, permutation equivariance, chunking."""
import torch

from projects.bsnpp.relation_block import PositionAttention, ProposalRelationBlock


def _bm_mask(t):
    d, s = torch.meshgrid(torch.arange(t), torch.arange(t), indexing='ij')
    return (s <= t - 1 - d).float()


def test_identity_at_init():
    torch.manual_seed(0)
    block = ProposalRelationBlock(16, qk_channels=4).double()
    x = torch.randn(2, 16, 8, 8, dtype=torch.float64)
    torch.testing.assert_close(block(x, _bm_mask(8).double()), x, rtol=0, atol=0)


def test_invalid_cells_do_not_change_pam_output_at_valid_cells():
    torch.manual_seed(0)
    pam = PositionAttention(8, 4, chunk_size=5).double()
    pam.gamma.data.fill_(1.0)
    mask = _bm_mask(6).double()
    x = torch.randn(1, 8, 6, 6, dtype=torch.float64)
    y = x.clone()
    y[:, :, mask == 0] += 100 * torch.randn_like(y[:, :, mask == 0])
    valid = mask > 0
    torch.testing.assert_close(pam(x, mask)[:, :, valid], pam(y, mask)[:, :, valid])
    # without the mask the perturbation does reach the valid cells
    assert not torch.allclose(pam(x)[:, :, valid], pam(y)[:, :, valid])


def test_unmasked_pam_is_permutation_equivariant():
    torch.manual_seed(0)
    pam = PositionAttention(8, 4).double()
    pam.gamma.data.fill_(0.7)
    x = torch.randn(2, 8, 5, 5, dtype=torch.float64)
    perm = torch.randperm(25)
    permuted = x.reshape(2, 8, 25)[:, :, perm].reshape(2, 8, 5, 5)
    torch.testing.assert_close(pam(permuted).reshape(2, 8, 25),
                               pam(x).reshape(2, 8, 25)[:, :, perm])


def test_chunking_does_not_change_the_result():
    torch.manual_seed(0)
    a = PositionAttention(8, 4, chunk_size=3).double()
    b = PositionAttention(8, 4, chunk_size=1000).double()
    b.load_state_dict(a.state_dict())
    a.gamma.data.fill_(1.0)
    b.gamma.data.fill_(1.0)
    x = torch.randn(1, 8, 7, 7, dtype=torch.float64)
    torch.testing.assert_close(a(x, _bm_mask(7).double()), b(x, _bm_mask(7).double()))


def test_channel_attention_by_hand():
    block = ProposalRelationBlock(2, use_pam=False).double()
    block.cam.gamma.data.fill_(1.0)
    x = torch.tensor([[[[1.0, 0.0]], [[0.0, 2.0]]]], dtype=torch.float64)  # (1, 2, 1, 2)
    flat = x.reshape(2, 2)
    energy = flat @ flat.T  # [[1, 0], [0, 4]]
    attn = torch.softmax(energy.max(dim=1, keepdim=True)[0] - energy, dim=1)
    expected = x + (attn @ flat).reshape(1, 2, 1, 2)
    torch.testing.assert_close(block(x), expected)


def test_checkpointed_chunks_give_the_same_gradients():
    torch.manual_seed(0)
    a = PositionAttention(8, 4, chunk_size=4, checkpoint_chunks=True).double()
    b = PositionAttention(8, 4, chunk_size=4, checkpoint_chunks=False).double()
    b.load_state_dict(a.state_dict())
    for m in (a, b):
        m.gamma.data.fill_(1.0)
    x = torch.randn(1, 8, 5, 5, dtype=torch.float64)
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    a(xa, _bm_mask(5).double()).square().sum().backward()
    b(xb, _bm_mask(5).double()).square().sum().backward()
    torch.testing.assert_close(xa.grad, xb.grad)
    torch.testing.assert_close(a.query.weight.grad, b.query.weight.grad)
