"""The PostgreSQL schema of the hub's own stores, as versioned SQL files (``hub db upgrade``)."""
