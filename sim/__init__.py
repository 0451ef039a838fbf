"""`drover sim`: a local server that speaks the Managed Agents wire protocol.

It stands in for somebody else's server, so it imports nothing from drover's client side
(api, sync, store, tui) and no Textual.
"""
