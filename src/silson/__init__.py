"""silson: what Korean indemnity medical insurance (실손의료보험) owes, computed exactly."""

import os

# Polars' allocator (jemalloc) hands freed pages back to the OS after 0.5 s. A batch run frees and
# takes back hundreds of MB a second, so it spent about 15 % of its time in page faults; keeping freed
# pages 5 s measured 8 % faster on 10 million events (docs/batch.md). This must be set before Polars
# loads; a value already in the environment wins.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:5000,muzzy_decay_ms:5000")
