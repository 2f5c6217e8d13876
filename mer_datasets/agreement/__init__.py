"""Agreement statistics: Krippendorff's alpha with bootstrap CIs, ICC, Fleiss' kappa, per-item
consensus, per-rater diagnostics, and the reports that put them together.

The public functions are importable from here (lazily: ``import mer_datasets.agreement`` loads
neither pandas nor scipy); docs/api.md documents them. This package never imports upward: it
works on tables and arrays handed to it (``tests/test_import_layers.py``).
"""

from __future__ import annotations

from ..lazy import lazy_exports

__all__ = [
    "BootstrapResult",
    "Derivation",
    "DerivedJudgments",
    "RatingProtocols",
    "SpreadConvention",
    "agreement_report",
    "bootstrap_alpha",
    "consensus_entropy",
    "derive_judgments",
    "fleiss_kappa",
    "group_differences",
    "holm_adjust",
    "intra_rater_consistency",
    "item_spread",
    "items_report",
    "krippendorff_alpha",
    "parse_derivation",
    "rater_diagnostics",
    "raters_report",
    "rating_spread",
    "resolve_duplicates",
    "spark_alpha",
    "spark_records",
    "to_json_records",
    "where_mask",
]

_EXPORTS = {
    "agreement_report": "report",
    "items_report": "report",
    "raters_report": "report",
    "to_json_records": "report",
    "krippendorff_alpha": "alpha",
    "bootstrap_alpha": "bootstrap",
    "BootstrapResult": "bootstrap",
    "fleiss_kappa": "kappa",
    "consensus_entropy": "entropy",
    "rating_spread": "entropy",
    "rater_diagnostics": "raters",
    "intra_rater_consistency": "raters",
    "group_differences": "groups",
    "holm_adjust": "groups",
    "resolve_duplicates": "duplicates",
    "where_mask": "where",
    "spark_records": "spark_engine",
    "spark_alpha": "spark_engine",
    "Derivation": "derived",
    "DerivedJudgments": "derived",
    "derive_judgments": "derived",
    "parse_derivation": "derived",
    "RatingProtocols": "protocols",
    "SpreadConvention": "spread",
    "item_spread": "spread",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)
