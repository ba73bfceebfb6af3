"""Dashboards: the merchant's and the market association's figures, the sales report (CSV) and the stall's
daily sheet, all read from the sales ledger (on a read replica when one is configured)."""
