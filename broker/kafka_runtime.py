"""The Kafka runtime on this machine: the jars, the ``java`` to run them with, the classpath.

The jars come from Maven Central through ``deploy/kafka/pom.xml`` and are cached
(git-ignored) in ``<repo>/.cache/kafka/libs``, or in ``$HUB_KAFKA_LIBS``. If the
cache lacks the broker jar, ``mvn dependency:copy-dependencies`` fills it.

SLF4J: Kafka 4.3.1's published pom pins ``slf4j-api`` 1.7.36, but the log4j
binding in our pom (``log4j-slf4j2-impl``) needs ``slf4j-api`` 2.x; with 1.7 on
the classpath SLF4J falls back to its no-op logger and the broker writes no log
at all. So when the binding is the 2.x one and no 2.x API jar is cached, the
matching ``slf4j-api`` is fetched beside the others, and the classpath leaves
the 1.7 jar out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from hub.config import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
DEPLOY_DIR = REPO_ROOT / "deploy" / "kafka"
POM = DEPLOY_DIR / "pom.xml"
BROKER_LOG_CONFIG = DEPLOY_DIR / "log4j2.xml"
TOOLS_LOG_CONFIG = DEPLOY_DIR / "tools-log4j2.xml"

BROKER_JAR_GLOB = "kafka_2.13-*.jar"
SLF4J2_BINDING_GLOB = "log4j-slf4j2-impl-*.jar"
SLF4J2_API_VERSION = "2.0.17"  # the slf4j-api log4j-slf4j2-impl 2.25.x is built against

BROKER_MAIN = "kafka.Kafka"
STORAGE_TOOL_MAIN = "kafka.tools.StorageTool"
CONSOLE_CONSUMER_MAIN = "org.apache.kafka.tools.consumer.ConsoleConsumer"

# Short-lived tools start about a third faster with only the C1 compiler and serial GC.
TOOL_JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


class KafkaOpsError(RuntimeError):
    """Running the local Kafka failed; the message says what to do about it."""


def default_libs_dir() -> Path:
    """The jar cache: ``Settings.kafka_libs`` (``$HUB_KAFKA_LIBS``), else the repository's."""
    configured = Settings.from_env().kafka_libs
    return configured or REPO_ROOT / ".cache" / "kafka" / "libs"


def ensure_libs(libs_dir: Path) -> Path:
    """Make sure ``libs_dir`` holds the Kafka jars (fetching them with Maven) and return it."""
    if not any(libs_dir.glob(BROKER_JAR_GLOB)):
        _maven(
            "dependency:copy-dependencies",
            f"-Dkafka.libs={libs_dir.resolve()}",
            reason=f"the Kafka jars are not in {libs_dir}",
        )
        if not any(libs_dir.glob(BROKER_JAR_GLOB)):
            raise KafkaOpsError(f"Maven ran but {libs_dir} still has no {BROKER_JAR_GLOB}")
    if any(libs_dir.glob(SLF4J2_BINDING_GLOB)) and not any(libs_dir.glob("slf4j-api-2.*.jar")):
        _maven(
            "dependency:copy",
            f"-Dartifact=org.slf4j:slf4j-api:{SLF4J2_API_VERSION}",
            f"-Dkafka.libs={libs_dir.resolve()}",  # the pom's outputDirectory wins over -D
            reason="log4j-slf4j2-impl needs slf4j-api 2.x (Kafka's pom brings 1.7.36)",
        )
        if not any(libs_dir.glob("slf4j-api-2.*.jar")):
            raise KafkaOpsError(f"Maven ran but {libs_dir} still has no slf4j-api 2.x jar")
    return libs_dir


def classpath(libs_dir: Path) -> str:
    """Every cached jar, except an ``slf4j-api`` 1.x that a 2.x jar supersedes."""
    jars = sorted(libs_dir.glob("*.jar"))
    if any(jar.name.startswith("slf4j-api-2.") for jar in jars):
        jars = [jar for jar in jars if not jar.name.startswith("slf4j-api-1.")]
    return os.pathsep.join(str(jar) for jar in jars)


def java_executable() -> str:
    """``$JAVA_HOME/bin/java`` if set, else ``java`` on the PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    found = shutil.which("java")
    if found is None:
        raise KafkaOpsError("java not found: install a JDK (17 or later) or set JAVA_HOME")
    return found


def classpath_options(libs_dir: Path) -> list[str]:
    """``-cp <every jar>``, passed in a java ``@argfile`` written beside the jars.

    The classpath is a hundred jars long; the argfile keeps the process list
    (``pgrep -af kafka.Kafka``) readable. A read-only jar directory gets it inline.
    """
    jars = classpath(libs_dir)
    argfile = libs_dir / "classpath.args"
    content = f'-cp "{jars}"\n'
    try:
        if not argfile.is_file() or argfile.read_text() != content:
            staging = argfile.with_name(f".{argfile.name}.{os.getpid()}")
            staging.write_text(content)
            staging.replace(argfile)
    except OSError:
        return ["-cp", jars]
    return [f"@{argfile}"]


def java_command(
    libs_dir: Path,
    main_class: str,
    args: Sequence[str],
    *,
    jvm_options: Sequence[str] = (),
    log_config: Path = TOOLS_LOG_CONFIG,
) -> list[str]:
    """The command line running ``main_class`` from the cached jars."""
    return [
        java_executable(),
        *jvm_options,
        *classpath_options(libs_dir),
        f"-Dlog4j2.configurationFile={log_config}",
        main_class,
        *args,
    ]


def run_tool(libs_dir: Path, main_class: str, args: Sequence[str]) -> str:
    """Run a Kafka command-line tool to completion and return its output; raise on failure."""
    result = subprocess.run(
        java_command(libs_dir, main_class, args, jvm_options=TOOL_JVM_OPTIONS),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise KafkaOpsError(
            f"{main_class} {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}{result.stderr}"
        )
    return result.stdout


def console_consumer_command(
    bootstrap_servers: str,
    topic: str,
    *,
    from_beginning: bool = False,
    max_messages: int | None = None,
    timeout_ms: int | None = None,
    group: str | None = None,
    properties: Sequence[str] = (),
    libs_dir: Path | None = None,
) -> list[str]:
    """The command line of Kafka's own console consumer, run from the cached jars.

    Each of ``properties`` (``KEY=VALUE``, e.g. ``print.headers=true``) is passed on
    as a ``--formatter-property`` (Kafka 4 deprecates its older name ``--property``).
    """
    libs = ensure_libs(libs_dir if libs_dir is not None else default_libs_dir())
    args = ["--bootstrap-server", bootstrap_servers, "--topic", topic]
    if from_beginning:
        args.append("--from-beginning")
    if max_messages is not None:
        args += ["--max-messages", str(max_messages)]
    if timeout_ms is not None:
        args += ["--timeout-ms", str(timeout_ms)]
    if group is not None:
        args += ["--group", group]
    for prop in properties:
        args += ["--formatter-property", prop]
    return java_command(libs, CONSOLE_CONSUMER_MAIN, args, jvm_options=TOOL_JVM_OPTIONS)


def _maven(*goal_and_options: str, reason: str) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise KafkaOpsError(
            f"{reason}, and Maven (mvn) is not on the PATH to fetch them: install Maven, "
            "or set HUB_KAFKA_LIBS to a directory holding the Kafka jars"
        )
    java_executable()  # Maven needs a JDK too; fail with the clearer message first
    result = subprocess.run(
        [mvn, "-q", "-B", "-f", str(POM), *goal_and_options],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise KafkaOpsError(
            f"{reason}; fetching them with Maven failed ({result.returncode}):\n"
            f"{result.stdout}{result.stderr}"
        )
