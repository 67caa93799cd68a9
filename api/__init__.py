"""The HTTP API (`POST /audit`, FastAPI + Mangum on AWS Lambda): not built yet (DESIGN §7).

It will call ``auditing.run_audit`` like the CLI does; nothing here yet.
"""
