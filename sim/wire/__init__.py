"""The protocol's vocabulary, shared by every layer of the sim: errors, ids and timestamps,
list prices, and builders of the wire objects."""
