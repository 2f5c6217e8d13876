"""Default parameters of the label mapping, importable without numpy (the CLI builds its help from them).

``DEFAULT_TEMPERATURE``: temperature of the softmax over negative squared distances that turns an
arousal/valence point into P(category) (see :mod:`.mapping`). ``DEFAULT_AMBIGUITY_THRESHOLD``:
normalized entropy above which a mapped distribution is flagged ``ambiguous``.
"""

DEFAULT_TEMPERATURE = 0.25
DEFAULT_AMBIGUITY_THRESHOLD = 0.5
