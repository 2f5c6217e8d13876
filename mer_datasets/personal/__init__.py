"""Personalization: rater activity, personal labels, human consensus, per-user splits, queries.

The consensus-entropy method for personalized MER (Gómez-Cañón et al., ISMIR 2021) treats
listener disagreement as a signal: a listener is asked first about the excerpts other listeners
disagreed on most. These modules give the data side of that method as pure functions over the
tables of a loaded dataset (``mer_datasets.load_dataset(id).annotations`` etc.):

* :mod:`.activity` -- judgments per rater (records or distinct tracks) and rater selection;
* :mod:`.labels` -- a rater's label per track, with policies for repeats and axis answers;
* :mod:`.consensus` -- per-track human consensus distribution, its entropy (natural log) and n;
* :mod:`.splits` -- seeded per-user and general splits with a manifest that can be read back;
* :mod:`.query` -- entropy ranking, class-balanced selection and a seeded random baseline;
* :mod:`.aggregate` -- majority vote, mean, Dawid-Skene and MACE/GLAD (via crowd-kit);
* :mod:`.simulate` -- the active-learning simulation (needs scikit-learn).
"""
