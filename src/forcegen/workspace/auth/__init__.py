"""Passwords (argon2), API tokens, browser sessions with CSRF, login rate limiting."""
