"""One module per raw format; each turns verified files into the four tables.

Modules are imported lazily by name (``catalog.yaml`` names the loader of each version), so
importing the package never pays for formats that are not used.
"""
