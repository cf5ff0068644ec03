"""CelebA-Spoof label vocabulary (arXiv 2007.12342; official README and label json).

Every entry of ``metas/*/*_label.json`` maps a relative image path to a list of 44 ints:

==========  ====================================  ===========================================
index       meaning                               values
==========  ====================================  ===========================================
0-39        CelebA face attributes (CelebA order)  0/1 (all 0 on spoof images)
40          spoof type                            0..10, see :data:`SPOOF_TYPES`
41          illumination                          0..4, see :data:`ILLUMINATIONS`
42          environment                           0..2, see :data:`ENVIRONMENTS`
43          live/spoof                            0 = live, 1 = spoof
==========  ====================================  ===========================================
"""
from typing import Tuple

from projects.common.errors import MMPapersError

NUM_LABELS = 44
ATTR_SLICE = slice(0, 40)
SPOOF_TYPE_INDEX = 40
ILLUM_INDEX = 41
ENV_INDEX = 42
LIVE_INDEX = 43  # not 42: the 44-vs-43 off-by-one of the pitfalls

#: CelebA's 40 attributes in ``list_attr_celeba.txt`` order.
FACE_ATTRIBUTES: Tuple[str, ...] = (
    '5_o_Clock_Shadow', 'Arched_Eyebrows', 'Attractive', 'Bags_Under_Eyes', 'Bald', 'Bangs',
    'Big_Lips', 'Big_Nose', 'Black_Hair', 'Blond_Hair', 'Blurry', 'Brown_Hair',
    'Bushy_Eyebrows', 'Chubby', 'Double_Chin', 'Eyeglasses', 'Goatee', 'Gray_Hair',
    'Heavy_Makeup', 'High_Cheekbones', 'Male', 'Mouth_Slightly_Open', 'Mustache',
    'Narrow_Eyes', 'No_Beard', 'Oval_Face', 'Pale_Skin', 'Pointy_Nose', 'Receding_Hairline',
    'Rosy_Cheeks', 'Sideburns', 'Smiling', 'Straight_Hair', 'Wavy_Hair', 'Wearing_Earrings',
    'Wearing_Hat', 'Wearing_Lipstick', 'Wearing_Necklace', 'Wearing_Necktie', 'Young')
SPOOF_TYPES: Tuple[str, ...] = (
    'Live', 'Photo', 'Poster', 'A4', 'Face Mask', 'Upper Body Mask', 'Region Mask', 'PC',
    'Pad', 'Phone', '3D Mask')
ILLUMINATIONS: Tuple[str, ...] = ('Live', 'Normal', 'Strong', 'Back', 'Dark')
ENVIRONMENTS: Tuple[str, ...] = ('Live', 'Indoor', 'Outdoor')
LIVENESS: Tuple[str, ...] = ('live', 'spoof')


class CelebASpoofError(MMPapersError, ValueError):
    """Bad CelebA-Spoof data or input; the message names the file and the entry (one line)."""
