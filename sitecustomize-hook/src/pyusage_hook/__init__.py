"""pyusage start-up hook. The hot path is hook.py; this package adds the installer (python -m pyusage_hook)."""

__version__ = "0.1.0"
