"""Serializers that turn checkpoint values into typed ``(tag, bytes)`` pairs and back.

See :mod:`langgraph.checkpoint.serde.jsonplus` for the default msgpack serializer and
:mod:`langgraph.checkpoint.serde.encrypted` for authenticated encryption at rest.
"""
