"""The agent app at ``/`` (see :mod:`tixallo.web.app`)."""
