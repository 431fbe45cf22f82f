"""Workspace accounts: each user holds one role and (except admins) belongs to a nation."""
