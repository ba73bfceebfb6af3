"""The few web pages the platform serves itself (from static/): the quick-pay page behind the QR code."""
