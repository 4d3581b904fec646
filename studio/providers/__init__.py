"""Providers: one interface per capability, offline engines, local servers and remote APIs."""
