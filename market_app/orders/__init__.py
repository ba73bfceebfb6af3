"""Orders: the shopper's cart, checkout split into one stall order per stall, stock reservation,
idempotent placement, expiry of unpaid orders and each stall's state machine."""
