"""The sim's HTTP face: the Starlette app, the gate in front of it, routes, SSE streams."""
