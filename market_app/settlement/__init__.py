"""Settlement: each stall's sales minus refunds and commission, and the payout runs that pay each sale once
(by Stripe Transfer to a connected account, or by bank transfer against a settlement statement)."""
