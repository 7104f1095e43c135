"""HTTP routers, one per resource; each is a thin shell over ``sync_server.services``."""
