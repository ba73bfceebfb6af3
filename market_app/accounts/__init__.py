"""Accounts: registration, login with bearer tokens, the current user and platform admins."""
