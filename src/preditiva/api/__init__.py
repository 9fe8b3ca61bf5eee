"""The REST API: app factory, dependencies, error handlers, routes and schemas."""
