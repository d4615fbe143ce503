"""Development tooling, outside the product package: `make run` (run.py: the Procfile's
processes through honcho, on an embedded Redis) and the embedded redis-server itself
(embedded_redis.py), which the tests and benchmarks use too."""
