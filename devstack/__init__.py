"""opsdesk's local stack: moto server, API Gateway emulation, scheduler and HTTP stand-ins (`make run`)."""
