"""Realtime rules, pure: the protocol, the event log, audiences and the projection registry.

Imports models only (and the database's after-commit hook); services build on it, and the
delivery that fans the log out to sockets is in server/live/.
"""
