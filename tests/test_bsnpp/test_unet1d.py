"""UNetPP1d: shapes at odd lengths, deep supervision, argument checks, and that every nested
node fuses its full-resolution skip with the upsampled deeper path (Jacobian check)."""
import pytest
import torch

from projects.bsnpp.unet1d import UNetPP1d, channel_shuffle


@pytest.mark.parametrize('length', [25, 16, 7])
def test_output_shapes_and_range_at_odd_lengths(length):
    net = UNetPP1d(8, channels=12, depth=2)
    prob, top, aux = net(torch.randn(3, 8, length))
    assert prob.shape == (3, 2, length) and top.shape == (3, 12, length) and aux == []
    assert bool(((prob >= 0) & (prob <= 1)).all())


def test_deep_supervision_gives_one_head_per_depth():
    net = UNetPP1d(8, channels=8, depth=3, deep_supervision=True)
    prob, _, aux = net(torch.randn(1, 8, 25))
    assert len(aux) == 2 and all(a.shape == prob.shape for a in aux)


def test_nested_node_count():
    # depth L: L+1 encoder nodes plus sum_{j=1..L} (L+1-j) nested nodes
    assert len(UNetPP1d(8, channels=8, depth=2).nodes) == 3 + 3
    assert len(UNetPP1d(8, channels=8, depth=3).nodes) == 4 + 6


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match='depth'):
        UNetPP1d(8, depth=0)
    with pytest.raises(ValueError, match='groups'):
        UNetPP1d(6, channels=8, groups=4)


def test_channel_shuffle_by_hand():
    x = torch.arange(6.).view(1, 6, 1)  # groups of 3: (0 1 2)(3 4 5) -> 0 3 1 4 2 5
    assert channel_shuffle(x, 2).flatten().tolist() == [0., 3., 1., 4., 2., 5.]


def _paths_per_output_channel(net, name, j, channels, length=9):
    """For node ``name`` = X[i, j]: per output channel of its convolution (before the ReLU,
    so no dead unit hides a dependence), whether its Jacobian w.r.t. the node's input is
    non-zero on the full-resolution skip X[i, 0] (input channels [0, C)) and on the upsampled
    deeper node (input channels [j C, (j + 1) C))."""
    node = net.nodes[name]
    captured = {}

    def leaf_input(module, args):
        captured['in'] = args[0].detach().clone().requires_grad_(True)
        return (captured['in'], )

    def keep_output(module, args, out):
        captured['out'] = out.clone()  # before the in-place ReLU

    h1 = node.register_forward_pre_hook(leaf_input)
    h2 = node.conv.register_forward_hook(keep_output)
    try:
        net(torch.randn(2, net.nodes['0_0'].conv.in_channels, length, dtype=torch.float64))
    finally:
        h1.remove(), h2.remove()
    out = captured['out']
    skip, deep = [], []
    for c in range(out.shape[1]):
        grad, = torch.autograd.grad(out[:, c].sum(), captured['in'], retain_graph=True)
        skip.append(bool(grad[:, :channels].abs().sum() > 0))
        deep.append(bool(grad[:, j * channels:(j + 1) * channels].abs().sum() > 0))
    return skip, deep


@pytest.mark.parametrize('groups,depth', [(1, 2), (4, 2), (4, 3), (2, 3)])
def test_every_nested_node_channel_depends_on_skip_and_deeper_path(groups, depth):
    torch.manual_seed(0)
    channels = 12
    net = UNetPP1d(8, channels=channels, depth=depth, groups=groups).double()
    for j in range(1, depth + 1):
        for i in range(depth + 1 - j):
            skip, deep = _paths_per_output_channel(net, f'{i}_{j}', j, channels)
            assert all(skip) and all(deep), (f'X[{i},{j}]: {sum(skip)}/{channels} channels see '
                                             f'the skip, {sum(deep)}/{channels} the deep path')


def test_grouped_node_without_shuffle_keeps_the_paths_apart():
    # the defect the shuffle fixes: a grouped conv over concat(skip, up) alone
    torch.manual_seed(0)
    net = UNetPP1d(8, channels=12, depth=2, groups=4).double()
    net.nodes['0_2'].shuffle = False
    skip, deep = _paths_per_output_channel(net, '0_2', 2, 12)
    assert sum(s and d for s, d in zip(skip, deep)) == 0
