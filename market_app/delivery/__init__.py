"""Delivery in one trip: a market's delivery settings (distance rings, free-over, slots with capacity), the quote,
the slot place an order holds, the delivery a paid order gets (courier claim, pickup, delivered or failed, with a
timeline), and the market's desk: pick lists, receiving the stalls' parts (short picks refunded) and desk pickups."""
