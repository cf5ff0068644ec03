"""AENet head: live/spoof, semantic and geometric auxiliary heads (arXiv 2007.12342, sec. 4).

Structure of the released ``models.py`` (AENet_{C,S,G}), on ResNet-18's layer4 map:

- pooled 512-d vector -> ``fc_live`` (2, softmax CE), ``fc_live_attribute`` (40, sigmoid BCE
  [R]), ``fc_attack`` (11 spoof types, softmax CE), ``fc_light`` (5 illuminations, softmax CE);
- layer4 map -> ``depth_final`` (Conv3x3 512->1, no bias) and ``reflect_final`` (512->3), each
  sigmoid then bilinear upsampling (``align_corners=False``) to 14x14, MSE to the GT [R: MSE].

``L = L_C + lam_f L_Sf + lam_s L_Ss + lam_i L_Si + lam_d L_Gd + lam_r L_Gr`` with lam_f = 1,
lam_s = 0.1, lam_i = 0.01 (paper, quoted in issue #8) and lam_d = lam_r = 0.1 [R]. Each head
is switchable; AENet_C / C,S / C,G / C,S,G are the four settings of ``with_semantic`` and
``with_geometric``. Our additions, off by default: an environment head ``fc_env`` (3 classes;
not in the release) and ``attr_on_spoof=False`` (mask the attribute loss on spoof images,
whose attribute labels are all 0). Global pooling is adaptive (the release's ``AvgPool2d(7)``
equals it at 224 input). The module names equal the release's, so its checkpoint converts by
prefix (tools/model_converters/aenet_to_mmpretrain.py).
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from .labels import CelebASpoofError

DEFAULT_LOSS_WEIGHTS = dict(live=1.0, attr=1.0, spoof_type=0.1, illum=0.01, env=0.01,
                            depth=0.1, reflect=0.1)
#: head name -> (module name, data-sample field, what it is)
HEADS = dict(
    attr=('fc_live_attribute', 'attr', 'face attributes'),
    spoof_type=('fc_attack', 'spoof_type', 'spoof type'),
    illum=('fc_light', 'illum', 'illumination'),
    env=('fc_env', 'env', 'environment'),
    depth=('depth_final', 'depth_map', 'depth map'),
    reflect=('reflect_final', 'reflect_map', 'reflection map'),
)


@MODELS.register_module()
class AENetHead(BaseModule):
    """The AENet heads and their weighted losses.

    Args:
        in_channels: Channels of the last backbone map (512 for ResNet-18).
        num_classes: Live/spoof classes (2; class 1 = spoof).
        with_semantic: Build the attribute, spoof-type and illumination heads (S).
        with_geometric: Build the depth and reflection heads (G).
        with_env: Build the environment head (not in the release).
        loss_weights: Overrides of :data:`DEFAULT_LOSS_WEIGHTS` (keys ``live``, ``attr``,
            ``spoof_type``, ``illum``, ``env``, ``depth``, ``reflect``). A weight of 0 keeps the
            head but drops its term from the total.
        attr_on_spoof: Use the attribute labels of spoof images as given (True, the labels
            say all 0) or mask the attribute loss on them (False).
        map_size: Side of the predicted depth/reflection maps (14).
        num_attrs / num_spoof_types / num_illums / num_envs: Output sizes (40 / 11 / 5 / 3).
        init_cfg: Initialisation config; None uses the release's: N(0, sqrt(2 / (k*k*out)))
            for the geometric convs, PyTorch defaults for the FCs.
    """

    def __init__(self, in_channels: int = 512, num_classes: int = 2, with_semantic: bool = True,
                 with_geometric: bool = True, with_env: bool = False,
                 loss_weights: Optional[Dict[str, float]] = None, attr_on_spoof: bool = True,
                 map_size: int = 14, num_attrs: int = 40, num_spoof_types: int = 11,
                 num_illums: int = 5, num_envs: int = 3,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_classes != 2:
            raise ValueError(f'num_classes must be 2 (live, spoof), got {num_classes}')
        weights = dict(DEFAULT_LOSS_WEIGHTS)
        for key, value in (loss_weights or {}).items():
            if key not in weights:
                raise ValueError(f'loss_weights: unknown key {key!r}; allowed: {sorted(weights)}')
            if not isinstance(value, (int, float)) or value < 0 or not math.isfinite(value):
                raise ValueError(f'loss_weights[{key!r}] must be a finite number >= 0, got '
                                 f'{value!r}')
            weights[key] = float(value)
        self.loss_weights = weights
        self.num_classes = num_classes
        self.attr_on_spoof = attr_on_spoof
        self.map_size = map_size
        self.enabled: Tuple[str, ...] = tuple(
            name for name, on in (('attr', with_semantic), ('spoof_type', with_semantic),
                                  ('illum', with_semantic), ('env', with_env),
                                  ('depth', with_geometric), ('reflect', with_geometric))
            if on)
        self.fc_live = nn.Linear(in_channels, num_classes)
        if with_semantic:
            self.fc_live_attribute = nn.Linear(in_channels, num_attrs)
            self.fc_attack = nn.Linear(in_channels, num_spoof_types)
            self.fc_light = nn.Linear(in_channels, num_illums)
        if with_env:
            self.fc_env = nn.Linear(in_channels, num_envs)
        if with_geometric:
            self.depth_final = nn.Conv2d(in_channels, 1, 3, padding=1, bias=False)
            self.reflect_final = nn.Conv2d(in_channels, 3, 3, padding=1, bias=False)

    def init_weights(self) -> None:
        if self.init_cfg is not None:
            return super().init_weights()
        for name in ('depth_final', 'reflect_final'):
            conv = getattr(self, name, None)
            if conv is not None:
                k = conv.kernel_size[0] * conv.kernel_size[1] * conv.out_channels
                nn.init.normal_(conv.weight, 0.0, math.sqrt(2.0 / k))

    def forward(self, feats: Union[torch.Tensor, Sequence[torch.Tensor]]
                ) -> Dict[str, torch.Tensor]:
        """Outputs of every built head: ``live`` (N, 2) logits, ``attr`` (N, 40),
        ``spoof_type`` (N, 11), ``illum`` (N, 5), ``env`` (N, 3) logits, ``depth`` (N, 1, S, S)
        and ``reflect`` (N, 3, S, S) maps in [0, 1]."""
        x = feats[-1] if isinstance(feats, (list, tuple)) else feats
        pooled = F.adaptive_avg_pool2d(x, 1).flatten(1)
        out = dict(live=self.fc_live(pooled))
        for name in self.enabled:
            module = getattr(self, HEADS[name][0])
            if name in ('depth', 'reflect'):
                out[name] = F.interpolate(torch.sigmoid(module(x)), size=(self.map_size,) * 2,
                                          mode='bilinear', align_corners=False)
            else:
                out[name] = module(pooled)
        return out

    @staticmethod
    def _stack(data_samples: List[DataSample], field: str, what: str) -> torch.Tensor:
        values = []
        for i, sample in enumerate(data_samples):
            if field not in sample:
                path = sample.metainfo.get('img_path', f'batch item {i}')
                raise CelebASpoofError(
                    f'AENetHead: data sample of {path} has no {field!r} ({what}); load it with '
                    'CelebASpoofDataset (+ LoadGeometryMaps for maps) and PackAntiSpoofInputs, '
                    'or switch the head off')
            values.append(torch.as_tensor(sample.get(field)))
        return torch.stack(values)

    def loss(self, feats, data_samples: List[DataSample], **kwargs) -> Dict[str, torch.Tensor]:
        """The weighted loss terms (``loss_live``, ``loss_attr``, ...); their sum is ``L``."""
        out = self(feats)
        device = out['live'].device
        live = torch.cat([s.gt_label.reshape(-1) for s in data_samples]).to(device).long()
        losses = dict(loss_live=self.loss_weights['live'] * F.cross_entropy(out['live'], live))
        for name in self.enabled:
            field, what = HEADS[name][1], HEADS[name][2]
            target = self._stack(data_samples, field, what).to(device)
            pred = out[name]
            if name == 'attr':
                target = target.to(pred.dtype)
                mask = torch.ones_like(live, dtype=torch.bool) if self.attr_on_spoof else live == 0
                mask = mask & (target >= 0).all(dim=1)  # -1 = unknown (txt lists)
                if mask.any():
                    term = F.binary_cross_entropy_with_logits(pred[mask], target[mask])
                else:
                    term = pred.sum() * 0.0
            elif name in ('depth', 'reflect'):
                term = F.mse_loss(pred, target.to(pred.dtype).reshape(pred.shape))
            else:
                target = target.long().reshape(-1)
                valid = target >= 0
                term = (F.cross_entropy(pred[valid], target[valid]) if valid.any()
                        else pred.sum() * 0.0)
            losses[f'loss_{name}'] = self.loss_weights[name] * term
        return losses

    def predict(self, feats, data_samples: Optional[List[DataSample]] = None) -> List[DataSample]:
        """Set ``pred_score`` (softmax over live/spoof; ``pred_score[1]`` is ``p_spoof``),
        ``pred_label`` and, for the semantic heads, ``pred_spoof_type`` / ``pred_illum`` /
        ``pred_env`` (argmax) and ``pred_attr`` (sigmoid)."""
        out = self(feats)
        scores = F.softmax(out['live'], dim=1).detach()
        n = scores.size(0)
        samples = data_samples if data_samples is not None else [DataSample() for _ in range(n)]
        for i, sample in enumerate(samples):
            if sample is None:
                sample = samples[i] = DataSample()
            sample.set_pred_score(scores[i]).set_pred_label(scores[i].argmax().view(1))
            for name in ('spoof_type', 'illum', 'env'):
                if name in out:
                    sample.set_field(out[name][i].argmax().detach(), f'pred_{name}')
            if 'attr' in out:
                sample.set_field(torch.sigmoid(out['attr'][i]).detach(), 'pred_attr')
        return samples


def add_random_anti_spoof_labels(data_samples: List[DataSample], generator: torch.Generator,
                                 map_size: int = 14) -> List[DataSample]:
    """Give data samples that carry only ``gt_label`` (0 live, 1 spoof) random but consistent
    AENet labels: attributes (zero on spoofs), spoof type, illumination and environment (0 on
    live images, 1.. on spoofs) and depth/reflection maps (zero on spoof/live). For tests that
    train AENet configs on random batches."""
    for sample in data_samples:
        spoof = int(sample.gt_label.reshape(-1)[0]) == 1
        attr = (torch.rand(40, generator=generator) > 0.5).float()
        sample.set_field(attr * (0.0 if spoof else 1.0), 'attr')
        for name, high in (('spoof_type', 11), ('illum', 5), ('env', 3)):
            value = int(torch.randint(1, high, (1, ), generator=generator)) if spoof else 0
            sample.set_field(torch.tensor(value), name)
        depth = torch.rand(1, map_size, map_size, generator=generator)
        reflect = torch.rand(3, map_size, map_size, generator=generator)
        sample.set_field(depth * (0.0 if spoof else 1.0), 'depth_map')
        sample.set_field(reflect * (1.0 if spoof else 0.0), 'reflect_map')
    return data_samples
