"""Plot of the policy's evolution during an AWS search: the probability of the best policy's
top pairs per loop, and the reward (mean over trajectories) per loop."""
from typing import List

from .op_space import NUM_OPS, OP_NAMES


def plot_evolution(history: List[dict], best_policy, path: str, top: int = 5) -> str:
    """Draw ``path`` (PNG) from the search history entries (``probs``, ``mean_reward``)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    joint = best_policy.joint().detach().flatten()
    top_idx = joint.topk(top).indices.tolist()
    loops = [e['loop'] + 1 for e in history]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for idx in top_idx:
        name = f'{OP_NAMES[idx // NUM_OPS]} -> {OP_NAMES[idx % NUM_OPS]}'
        ax1.plot(loops, [float(e['probs'].flatten()[idx]) for e in history], label=name)
    ax1.axhline(1 / NUM_OPS**2, color='grey', ls='--', lw=0.8, label='uniform 1/1296')
    ax1.set_xlabel('search loop')
    ax1.set_ylabel('P(pair) used in the loop')
    ax1.legend(fontsize=7)
    ax2.plot(loops, [e['mean_reward'] for e in history], marker='o')
    ax2.set_xlabel('search loop')
    ax2.set_ylabel('reward (mean top-2 val acc, %)')
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
