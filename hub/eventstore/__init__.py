"""The event store's plumbing: how the hub's events are persisted through eventsourcing.

The application (``hub.application``) says what to load and save; this package decides
how stored events are written and read: their JSON (``transcodings``), their AES-GCM
encryption (``cipher``), the SQLite store's write-ahead-log checkpoints
(``sqlite_store``), one query for which of many aggregates exist (``existence``) and
cached protocol checks (``protocol_checks``). What each change is worth is measured in
docs/benchmarks.md.

Which eventsourcing internals it relies on (checked against eventsourcing 9.5, the
version pyproject.toml pins; look here first when upgrading it):

- ``sqlite_store``: subclasses ``SQLiteConnectionPool`` and overrides its private
  ``_create_connection``; swaps the class of a ``SQLiteFactory``'s
  ``datastore.pool`` after construction; reads the pool's ``db_name`` and
  ``is_sqlite_memory_mode``.
- ``cipher``: subclasses ``AESCipher``, reads its ``key`` attribute and writes its byte
  layout (12-byte nonce, 16-byte tag, then the ciphertext), so either reads the other's.
- ``transcodings``: subclasses ``JSONTranscoder``, reads its ``types`` mapping and writes
  its ``{"_type_": name, "_data_": data}`` form for transcoded values.
- ``protocol_checks``: replaces the metaclass of ``DomainEventProtocol``,
  ``CollectEventsProtocol`` and ``CanMutateProtocol`` (``eventsourcing.domain``).
- ``existence``: queries the recorders' tables directly, through their ``datastore``
  (``transaction``, ``get_connection``, ``schema``) and ``events_table_name``, and
  relies on SQLite holding originator ids as hex text.
"""
