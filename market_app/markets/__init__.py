"""Markets, their members (association admins, couriers) and their stalls with map positions."""
