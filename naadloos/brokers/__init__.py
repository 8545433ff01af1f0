"""Event brokers that Rasa loads from the endpoints file (`event_broker: type: naadloos.brokers...`)."""
