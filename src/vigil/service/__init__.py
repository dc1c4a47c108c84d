"""The HTTP shell: the one Vigil service, :func:`vigil.service.server.create_service`.

It composes the control-plane API (:func:`vigil.service.app.create_app`: REST under
``/api/v1``) with the inference server of :mod:`vigil.serving`, whose endpoints follow the
metadata store (:mod:`vigil.serving.live`). Thin: each route parses its input, takes its caller
from :func:`.deps.get_principal`, calls :class:`vigil.control.ControlPlane` (or the
live endpoints) and returns its document; :mod:`.errors` maps every error to an RFC 7807
problem once. :func:`vigil.service.server.serve_in_thread` runs it in a background thread.
"""
