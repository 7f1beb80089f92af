"""The public REST API (FastAPI): one app, run by uvicorn locally and by Mangum in Lambda."""
