"""Billing: dated price catalogues and pure functions from records to line items."""
