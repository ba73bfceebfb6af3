"""Catalog: the products of each stall, and the market-wide product search (with 초성)."""
