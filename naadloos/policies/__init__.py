"""Dialogue policies of our own (Rasa plugins, named in config.yml)."""
