"""The /api/v1 face. `api` is the blueprint with its operation registry; each route module
registers its operations on it when it loads, and service/api/resources.py names them all."""

from service.api.framework import Api

api = Api("api", "/api/v1")
