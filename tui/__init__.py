"""The Textual app: screens, widgets, bindings. Reads the store, acts through the outbox."""
