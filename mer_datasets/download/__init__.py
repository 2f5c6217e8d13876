"""Verified downloads: fetch, verify, extract, lock, record state, ingest, and the store on top.

One module per concern (after pooch's layout): ``fetch`` streams HTTP with resume and retries,
``verify`` hashes and applies the pin policy, ``extract`` unpacks archives safely, ``lock``
serializes processes per dataset, ``state`` records what was verified, ``ingest`` registers
hand-obtained files, and ``store`` puts them together (``ensure_files``, ``verify_dataset``).
Nothing is imported here so that ``import mer_datasets`` stays light.
"""
