"""Glimpse: live days of improvement programmes."""
