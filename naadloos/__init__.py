"""Naadloos: shared code of the Dutch webcare assistant (settings, organisation facts, parsing, NLU)."""
