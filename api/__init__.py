"""The HTTP API (DESIGN §7): FastAPI app ``api.main:app``, Lambda handler ``api.main:handler``."""
