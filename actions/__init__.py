"""Custom actions of the Naadloos assistant, served by `rasa run actions`."""
