"""Payments domain: orders paid through Stripe (localstripe in development and tests)."""
