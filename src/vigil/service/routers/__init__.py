"""One router per resource, all under ``/api/v1``, each guarded by :func:`..deps.get_principal`."""
