"""docker-compose.yml, the Dockerfile and deploy/ cannot run here (no Docker engine), so their wiring is
checked by reading them: pinned images, two Kafka listeners, a health check that means consumption, no
password in the repository, and a deploy/README.md that says what the files expect."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from exchange.settings import setting_env_names
from tests.conftest import REPO_ROOT

DIGEST = re.compile(r"^(?P<tag>[a-z0-9./-]+:[A-Za-z0-9._-]+)@sha256:[0-9a-f]{64}$")
DEPLOY = REPO_ROOT / "deploy"


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    return loaded


def _services() -> dict[str, Any]:
    services: dict[str, Any] = _compose()["services"]
    return services


def _environment(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment", {})
    if isinstance(environment, dict):
        return {str(k): str(v) for k, v in environment.items()}
    return dict(str(e).split("=", 1) for e in environment)


def _dockerfile() -> str:
    return (REPO_ROOT / "Dockerfile").read_text()


def _dockerfile_images() -> list[str]:
    text = _dockerfile()
    args = dict(re.findall(r"^ARG (\w+)=(\S+)$", text, re.M))
    images = []
    for reference in re.findall(r"^FROM (\S+)", text, re.M):
        images.append(re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], reference))
    return images


def _env_file_variables(path: Path) -> dict[str, str]:
    pairs = [line.split("=", 1) for line in path.read_text().splitlines() if re.match(r"^#? ?[A-Z_]+=", line)]
    return {name.lstrip("# "): value for name, value in pairs}


def _git_ignores(path: str) -> bool:
    ignored = subprocess.run(["git", "check-ignore", "--no-index", "-q", path], cwd=REPO_ROOT, check=False)
    if ignored.returncode == 128:
        pytest.skip("not a git checkout: .gitignore cannot be asked")
    return ignored.returncode == 0


def test_every_exchange_variable_is_a_real_setting() -> None:
    known = setting_env_names()
    for name, service in _services().items():
        unknown = {var for var in _environment(service) if var.startswith("EXCHANGE_")} - known
        assert not unknown, f"service {name} sets unknown settings {unknown}"
    for example in DEPLOY.glob("*.env.example"):
        unknown = {var for var in _env_file_variables(example) if var.startswith("EXCHANGE_")} - known
        assert not unknown, f"{example.name} names unknown settings {unknown}"


def test_dependencies_exist_and_are_health_checked() -> None:
    services = _services()
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on missing {dependency}"
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} has no health check"


def test_the_stack_is_kafka_kraft_postgres_and_the_processor() -> None:
    services = _services()
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert "controller" in services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["processor"]["command"] == ["exchange", "run"]
    assert services["processor"]["build"] == "."
    assert (REPO_ROOT / "Dockerfile").is_file()
    assert _environment(services["processor"])["EXCHANGE_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"


def test_every_image_is_pinned_by_digest_and_refreshed_by_make_pin_images() -> None:
    images = [s["image"] for s in _services().values() if "image" in s] + _dockerfile_images()
    for image in images:
        assert DIGEST.match(image), f"{image} is not pinned as name:tag@sha256:<digest>"
    makefile = (REPO_ROOT / "Makefile").read_text()
    listed = re.search(r"^IMAGES := (.*)$", makefile, re.M)
    assert listed is not None, "the Makefile lists the images pin-images resolves"
    tags = {m.group("tag") for image in images if (m := DIGEST.match(image))}
    assert set(listed.group(1).split()) == tags


def test_make_pin_images_rewrites_every_digest(tmp_path: Path) -> None:
    """The refresh procedure itself, with a stand-in for `docker buildx imagetools inspect`."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    for name in ("Makefile", "docker-compose.yml", "Dockerfile"):
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    fake = tmp_path / "bin" / "docker"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nprintf 'Name: x\\nMediaType: index\\nDigest:    sha256:%064d\\n' 7\n")
    fake.chmod(0o755)
    subprocess.run(
        ["make", "-s", "pin-images"],
        cwd=tmp_path,
        env={"PATH": f"{fake.parent}:/usr/bin:/bin"},
        check=True,
        capture_output=True,
    )
    pinned = "@sha256:" + "0" * 63 + "7"
    compose = yaml.safe_load((tmp_path / "docker-compose.yml").read_text())
    assert all(s["image"].endswith(pinned) for s in compose["services"].values() if "image" in s)
    assert pinned in (tmp_path / "Dockerfile").read_text()


def test_kafka_is_reachable_from_the_compose_network_and_from_the_host() -> None:
    kafka = _environment(_services()["kafka"])
    listeners = dict(re.findall(r"(\w+)://[^:]*:(\d+)", kafka["KAFKA_LISTENERS"]))
    advertised = dict(re.findall(r"(\w+)://([^,]+)", kafka["KAFKA_ADVERTISED_LISTENERS"]))
    protocols = dict(item.split(":") for item in kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    assert set(listeners) <= set(protocols)
    clients = {
        name: address
        for name, address in advertised.items()
        if name != kafka["KAFKA_CONTROLLER_LISTENER_NAMES"]
    }
    assert len(clients) >= 2, "one listener for the compose network, one for the host"
    assert kafka["KAFKA_INTER_BROKER_LISTENER_NAME"] in clients
    processor = _environment(_services()["processor"])
    assert processor["EXCHANGE_KAFKA_BOOTSTRAP_SERVERS"] in clients.values()
    published = {str(p).rsplit(":", 2)[-1] for p in _services()["kafka"]["ports"]}
    host_side = [a for a in clients.values() if a.startswith("localhost:")]
    assert host_side and all(a.split(":")[1] in published for a in host_side)
    for name, address in clients.items():
        assert address.split(":")[1] == listeners[name], f"{name} advertises another port than it binds"


def test_the_processor_is_healthy_only_while_it_consumes() -> None:
    check = _services()["processor"]["healthcheck"]["test"]
    assert check[:3] == ["CMD", "exchange", "health"], "the health check reads the runner's polls"
    assert "--max-age" in check
    assert "EXCHANGE_METRICS_PORT" in _environment(_services()["processor"])


def test_no_password_is_written_in_the_compose_file() -> None:
    for name, service in _services().items():
        for variable, value in _environment(service).items():
            assert not re.search(r"PASSWORD|PASSPHRASE|SECRET", variable), f"{name} sets {variable} inline"
            assert not re.search(r"://[^/@\s]*:[^/@\s]*@", value), f"{name}: credentials in {variable}"
    text = (REPO_ROOT / "docker-compose.yml").read_text()
    assert "POSTGRES_PASSWORD:" not in text and ":-exchange}" not in text


def test_secrets_come_from_env_files_that_git_ignores() -> None:
    services = _services()
    for name in ("postgres", "migrate", "processor"):
        env_files = services[name].get("env_file")
        assert env_files, f"{name} reads no env file"
        for env_file in env_files:
            path = REPO_ROOT / env_file
            assert path.parent == DEPLOY and path.name.endswith(".env")
            assert (DEPLOY / f"{path.name}.example").is_file(), f"no example for {env_file}"
            assert _git_ignores(env_file), f"{env_file} is not in .gitignore"
    assert "POSTGRES_PASSWORD" in _env_file_variables(DEPLOY / "postgres.env.example")
    assert "EXCHANGE_DATABASE_URL" in _env_file_variables(DEPLOY / "exchange.env.example")
    for example in DEPLOY.glob("*.env.example"):
        assert not any(_env_file_variables(example).values()), f"{example.name} holds a value"


def test_keys_and_secrets_stay_out_of_the_image_build_and_the_repository() -> None:
    dockerignore = (REPO_ROOT / ".dockerignore").read_text().splitlines()
    assert dockerignore[dockerignore.index("*") :] and "!deploy/" not in dockerignore
    for path in ("deploy/keys/BE/x.key.pem", "deploy/partners/NL/x.pem"):
        ignored = subprocess.run(
            ["git", "check-ignore", "--no-index", "-q", path], cwd=REPO_ROOT, check=False
        )
        if ignored.returncode == 128:
            pytest.skip("not a git checkout")
        assert ignored.returncode == 0, f"{path} would be committable"


def test_deploy_readme_matches_the_compose_file_and_the_image() -> None:
    readme = (DEPLOY / "README.md").read_text()
    services = _services()
    for env_file in {f for s in services.values() for f in s.get("env_file", [])}:
        assert env_file in readme, f"deploy/README.md does not explain {env_file}"
    for volume in services["processor"]["volumes"]:
        source = volume.split(":")[0]
        if source.startswith("./deploy/"):
            assert source.removeprefix("./") in readme, f"deploy/README.md does not explain {source}"
    uid = re.search(r"--uid (\d+)", _dockerfile())
    assert uid is not None and f"USER {uid.group(1)}:" in _dockerfile()
    assert f"chown -R {uid.group(1)}:" in readme and f"uid {uid.group(1)}" in readme
    unknown = set(re.findall(r"EXCHANGE_[A-Z_]+", readme)) - setting_env_names()
    assert not unknown, f"deploy/README.md names unknown settings {unknown}"
    check = services["processor"]["healthcheck"]["test"]
    assert " ".join(check[1:]) in readme, "deploy/README.md shows the health check as it is"
    kafka_host = next(p for p in services["kafka"]["ports"]).rsplit(":", 1)[-1]
    assert f"localhost:{kafka_host}" in readme


# -- the image's Python dependencies ----------------------------------------------------------------


def _runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(line) for line in project["dependencies"]]


def _constraints() -> dict[str, str]:
    lines = (REPO_ROOT / "constraints.txt").read_text().splitlines()
    pins = [line.split("==") for line in lines if line and not line.startswith("#")]
    assert all(len(pin) == 2 for pin in pins), "constraints.txt holds exact pins only"
    return {canonicalize_name(name): version for name, version in pins}


def _constraints_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ci_constraints", REPO_ROOT / ".ci" / "constraints.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_runtime_dependency_is_pinned_in_constraints() -> None:
    pins = _constraints()
    for requirement in _runtime_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not pinned in constraints.txt (make constraints)"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} breaks {requirement}"
    assert "psycopg-binary" in pins  # extras are followed: psycopg[binary]
    assert "exchange" not in pins
    assert not {"pytest", "mypy", "ruff", "splink"} & set(pins), "test and bench tools are not runtime"


def test_the_constraints_script_follows_the_installed_runtime_closure() -> None:
    closure: dict[str, str] = _constraints_script().runtime_closure()
    for requirement in _runtime_requirements():
        assert canonicalize_name(requirement.name) in closure
    assert "psycopg-binary" in closure and "exchange" not in closure and "pytest" not in closure


def test_the_image_installs_with_the_constraints() -> None:
    text = _dockerfile()
    installs = re.findall(r"pip (?:wheel|install)[^\n]*", text)
    assert len(installs) == 2 and all("--constraint" in line for line in installs)
    assert "--no-index" in installs[1], "the final stage installs only the wheels built with the pins"
    assert "COPY constraints.txt" in text
    assert "!constraints.txt" in (REPO_ROOT / ".dockerignore").read_text()
