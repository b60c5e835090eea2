"""Accounts: users, passwords, API tokens and sign-in limits."""
