"""Route tables, one module per resource family; :mod:`drover.sim.http.app` mounts them."""
