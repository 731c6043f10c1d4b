"""The read side: everything here is rebuilt from the event log and never written to it.

``REGISTRY`` (in :mod:`projections.registry`) names every projection for ``troupe-es projections``
and for notebooks.
"""
