"""The behaviour of Glimpse: every mutation is one function here."""
