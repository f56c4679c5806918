"""A local certificate authority for the lookup service: server and client certificates.

A client certificate names who is calling, the way an NHS smartcard or an
organisation's PKI would: the common name is the user, the organisation (O)
is the organisation's code (an ODS-style site code, a local authority code, a
school URN) and the organisational unit (OU) is the user's role. Keys are
generated at run time and written with owner-only permissions; none is ever
committed.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_NAME = "ca"
SERVER_NAME = "server"
VALID_DAYS = 397
DOCUMENT_SIGNER_NAME = "document-signer"
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning


@dataclass(frozen=True)
class CertifiedIdentity:
    """Who a client certificate says is calling."""

    user: str
    organisation: str
    role: str

    def as_record(self) -> dict[str, str]:
        """For audit records (written out: this runs on every lookup)."""
        return {"user": self.user, "organisation": self.organisation, "role": self.role}


@dataclass(frozen=True)
class IssuedFiles:
    certificate: Path
    key: Path


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _write_cert(path: Path, certificate: x509.Certificate) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _load(directory: Path, name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    certificate = x509.load_pem_x509_certificate((directory / f"{name}.pem").read_bytes())
    key = serialization.load_pem_private_key((directory / f"{name}.key").read_bytes(), None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{name}.key is not an EC private key")
    return certificate, key


def create_authority(directory: Path, common_name: str = "Safeguarding Hub Demo CA") -> IssuedFiles:
    """A new self-signed CA in ``directory`` (ca.pem, ca.key); refuses to overwrite one."""
    files = IssuedFiles(directory / f"{CA_NAME}.pem", directory / f"{CA_NAME}.key")
    if files.certificate.exists():
        raise FileExistsError(f"a certificate authority already exists in {directory}")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=VALID_DAYS * 5))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_key(files.key, key)
    _write_cert(files.certificate, certificate)
    return files


def _issue(
    directory: Path,
    file_name: str,
    subject: x509.Name,
    usage: x509.ObjectIdentifier,
    alt_names: list[x509.GeneralName],
    key_usage: x509.KeyUsage | None = None,
) -> IssuedFiles:
    ca_cert, ca_key = _load(directory, CA_NAME)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    if alt_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
    if key_usage is not None:
        builder = builder.add_extension(key_usage, critical=True)
    certificate = builder.sign(ca_key, hashes.SHA256())
    files = IssuedFiles(directory / f"{file_name}.pem", directory / f"{file_name}.key")
    _write_key(files.key, key)
    _write_cert(files.certificate, certificate)
    return files


def issue_server(
    directory: Path, hosts: tuple[str, ...] = ("localhost", "127.0.0.1")
) -> IssuedFiles:
    """The lookup server's certificate (server.pem, server.key) for ``hosts``."""
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    return _issue(directory, SERVER_NAME, subject, ExtendedKeyUsageOID.SERVER_AUTH, names)


def issue_client(directory: Path, identity: CertifiedIdentity) -> IssuedFiles:
    """A client certificate naming ``identity``; files are named after the user."""
    for part in (identity.user, identity.organisation, identity.role):
        if not part or any(c in part for c in "/\\\n"):
            raise ValueError(f"not a usable certificate name part: {part!r}")
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, identity.user),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, identity.organisation),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, identity.role),
        ]
    )
    return _issue(
        directory, f"client-{identity.user}", subject, ExtendedKeyUsageOID.CLIENT_AUTH, []
    )


def issue_document_signer(
    directory: Path, common_name: str = "Safeguarding Hub documents"
) -> IssuedFiles:
    """The certificate the hub signs its PDF documents with (document-signer.pem, .key).

    Issued by the hub's CA (made first if there is none), for digital signatures and
    non-repudiation, with the document-signing extended key usage (RFC 9336).
    """
    if not (directory / f"{CA_NAME}.pem").exists():
        create_authority(directory)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return _issue(directory, DOCUMENT_SIGNER_NAME, subject, DOCUMENT_SIGNING, [], usage)


@functools.lru_cache(maxsize=4096)
def identity_of(pem: bytes) -> CertifiedIdentity:
    """The user, organisation and role a (verified) client certificate names.

    Memoised by the certificate's bytes: every call on a connection presents the same
    certificate, and parsing it was about a twentieth of a lookup's time in the server.
    """
    certificate = x509.load_pem_x509_certificate(pem)

    def single(oid: x509.ObjectIdentifier, label: str) -> str:
        values = certificate.subject.get_attributes_for_oid(oid)
        if len(values) != 1:
            raise ValueError(f"the certificate must name exactly one {label}")
        value = values[0].value
        return value if isinstance(value, str) else value.decode()

    return CertifiedIdentity(
        user=single(NameOID.COMMON_NAME, "user (CN)"),
        organisation=single(NameOID.ORGANIZATION_NAME, "organisation (O)"),
        role=single(NameOID.ORGANIZATIONAL_UNIT_NAME, "role (OU)"),
    )


def details_of(certificate: x509.Certificate) -> dict[str, str]:
    """What an audit record keeps of a presented certificate: who, by whom, which, how long."""
    return {
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
        "serial": format(certificate.serial_number, "x"),
        "sha256": certificate.fingerprint(hashes.SHA256()).hex(),
        "not_before": certificate.not_valid_before_utc.isoformat(),
        "not_after": certificate.not_valid_after_utc.isoformat(),
    }


def certificate_details(pem: bytes) -> dict[str, str]:
    """``details_of`` a PEM certificate (refusals only: not on a lookup's path)."""
    return details_of(x509.load_pem_x509_certificate(pem))


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def write_bundle(directory: Path, user: str) -> tuple[Path, Path]:
    """``client-<user>.p12`` (key, certificate and CA, to import in a browser), and its password.

    The bundle is encrypted (AES-256) with a new random password written beside it in
    ``client-<user>.p12.password``; both owner-only, like the key itself.
    """
    certificate, key = _load(directory, f"client-{user}")
    ca_certificate = x509.load_pem_x509_certificate((directory / f"{CA_NAME}.pem").read_bytes())
    password = secrets.token_urlsafe(12)
    data = pkcs12.serialize_key_and_certificates(
        user.encode(),
        key,
        certificate,
        [ca_certificate],
        serialization.BestAvailableEncryption(password.encode()),
    )
    bundle = directory / f"client-{user}.p12"
    password_file = directory / f"client-{user}.p12.password"
    _write_private(bundle, data)
    _write_private(password_file, (password + "\n").encode())
    return bundle, password_file
