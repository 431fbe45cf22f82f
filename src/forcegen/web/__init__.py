"""The workspace's server-rendered web UI (Jinja2 templates, offline static files).

:func:`create_web_app` is the workspace API app (``forcegen.workspace.api.app.create_app``) with the
HTML pages and ``/static`` added. Every page goes through the workspace's service layer and
access rules; nothing here decides who may see or change what.
"""

from forcegen.web.app import create_web_app, mount_web

__all__ = ["create_web_app", "mount_web"]
