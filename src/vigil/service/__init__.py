"""The HTTP shell of the control plane: :func:`vigil.service.app.create_app`.

Thin: each route parses its input, takes its caller from :func:`.deps.get_principal`, calls
:class:`vigil.scheduling.control.ControlPlane` and returns its document; :mod:`.errors` maps
every error to an RFC 7807 problem once.
"""
