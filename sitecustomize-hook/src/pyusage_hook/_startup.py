# Imported by the pyusage.pth line at interpreter start; everything it does is guarded inside run().
from pyusage_hook import run as _run

_run()
