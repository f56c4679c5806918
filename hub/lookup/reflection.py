"""Server reflection under both names: ``grpc.reflection.v1`` and the older ``v1alpha``.

grpcurl, Postman and current gRPC tools ask for ``grpc.reflection.v1`` first;
older clients ask for ``v1alpha``. grpcio-reflection (1.85) implements only
``v1alpha``. ``v1`` is the same protocol under a new package name (its
``reflection.proto`` has the same messages with the same field numbers), so
the ``v1alpha`` servicer answers both: ``v1`` calls reach one through a
generic handler that reads and writes the ``v1alpha`` messages, which are
byte-for-byte the ``v1`` ones. The ``v1`` file descriptor, renamed from the
``v1alpha`` one, is added to the default pool so that reflection can also
describe the ``v1`` service itself.
"""

from __future__ import annotations

from collections.abc import Iterable

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_reflection.v1alpha import reflection, reflection_pb2

V1_PACKAGE = "grpc.reflection.v1"
V1_FILE = "grpc/reflection/v1/reflection.proto"
V1_SERVICE_NAME = f"{V1_PACKAGE}.ServerReflection"
V1ALPHA_SERVICE_NAME: str = reflection.SERVICE_NAME


def _add_v1_descriptor(pool: descriptor_pool.DescriptorPool) -> None:
    """Add ``grpc/reflection/v1/reflection.proto`` to ``pool`` unless it is there already."""
    try:
        pool.FindFileByName(V1_FILE)
        return
    except KeyError:
        pass
    proto = descriptor_pb2.FileDescriptorProto()
    reflection_pb2.DESCRIPTOR.CopyToProto(proto)
    alpha = proto.package
    proto.name = V1_FILE
    proto.package = V1_PACKAGE
    proto.ClearField("options")  # the v1alpha file's language options name v1alpha
    prefix = f".{alpha}."
    for message in proto.message_type:
        for field in message.field:
            if field.type_name.startswith(prefix):
                field.type_name = f".{V1_PACKAGE}.{field.type_name[len(prefix) :]}"
    for service in proto.service:
        for method in service.method:
            method.input_type = method.input_type.replace(prefix, f".{V1_PACKAGE}.", 1)
            method.output_type = method.output_type.replace(prefix, f".{V1_PACKAGE}.", 1)
    pool.AddSerializedFile(proto.SerializeToString())


def enable_server_reflection(service_names: Iterable[str], server: grpc.Server) -> None:
    """Answer reflection (v1 and v1alpha) for ``service_names`` and the reflection services."""
    _add_v1_descriptor(descriptor_pool.Default())
    names = (*service_names, V1_SERVICE_NAME, V1ALPHA_SERVICE_NAME)
    reflection.enable_server_reflection(names, server)
    servicer = reflection.ReflectionServicer(names)
    v1 = grpc.method_handlers_generic_handler(
        V1_SERVICE_NAME,
        {
            "ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
                servicer.ServerReflectionInfo,
                request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
                response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
            )
        },
    )
    server.add_generic_rpc_handlers((v1,))
