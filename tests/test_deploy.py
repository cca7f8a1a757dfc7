"""The production deployment of deploy/ and docs/operations.md, checked without Docker:
the Compose file's shape, that its commands are real `rec` commands, that every REC_
name written anywhere is a setting and every setting is written somewhere, that
env.example filled in is a valid production configuration, that the shell scripts parse
and name real services and variables, that the proxy reaches the app and hides /metrics,
and that the commands the documentation shows parse."""

from __future__ import annotations

import ast
import re
import shlex
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from server.cli import build_parser
from server.settings import PROJECT_ROOT, Settings, SettingsError

DEPLOY = PROJECT_ROOT / "deploy"
OPERATIONS = PROJECT_ROOT / "docs" / "operations.md"
SCRIPTS = sorted(DEPLOY.glob("*.sh"))
NAME = re.compile(r"\bREC_[A-Z0-9_]*[A-Z0-9]\b")
PLACEHOLDER = "change-me"
# What a person puts in place of each change-me: letters and digits, URL-safe, and long
# enough for REC_SECRET_KEY (32 characters at least).
FILLED = "Filled0123456789Filled0123456789"
INTERPOLATION = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?:(:?[-?])([^}]*))?\}")
MEMBERS = ("mongo1", "mongo2", "mongo3")
# Files whose REC_ names must all be settings.
WRITTEN = [
    DEPLOY / "env.example",
    DEPLOY / "compose.yaml",
    DEPLOY / "Dockerfile",
    DEPLOY / "Caddyfile",
    DEPLOY / "README.md",
    DEPLOY / "mongo-init.js",
    OPERATIONS,
    *SCRIPTS,
]


# --- helpers --------------------------------------------------------------------------


def settings_names() -> set[str]:
    """The REC_ variables Settings.from_env reads: the names written as whole strings in
    server/settings.py (an error message that only mentions one does not count)."""
    tree = ast.parse((PROJECT_ROOT / "server" / "settings.py").read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"REC_[A-Z0-9_]+", node.value)
    }


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def with_defaults(value: str) -> str:
    """`${NAME:-default}` as Compose reads it when .env does not set NAME."""

    def replace(match: re.Match[str]) -> str:
        name, operator, word = match.groups()
        assert operator in (":-", ":?"), f"{match.group(0)}: give a default or a message"
        return word if operator == ":-" else f"<{name}>"

    return INTERPOLATION.sub(replace, value)


def command_of(service: str) -> list[str]:
    command = services()[service]["command"]
    assert isinstance(command, list), f"{service}: write its command as a list"
    return [with_defaults(str(part)) for part in command]


def environment_of(service: str) -> dict[str, str]:
    environment = services()[service].get("environment") or {}
    assert isinstance(environment, dict), f"{service}: write its environment as a mapping"
    return {str(k): str(v) for k, v in environment.items()}


def env_example_lines() -> list[str]:
    return (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines()


def env_example() -> dict[str, str]:
    """The variables env.example sets, as Compose's env_file reads them."""
    found: dict[str, str] = {}
    for number, line in enumerate(env_example_lines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = re.fullmatch(r"([A-Z][A-Z0-9_]*)=(\S.*)", line)
        assert match, f"env.example line {number}: NAME=value, no spaces, no quotes: {line!r}"
        name, value = match.groups()
        assert value == value.strip() and value[0] not in "'\"", f"line {number}: {line!r}"
        assert name not in found, f"env.example sets {name} twice"
        found[name] = value
    return found


def filled_in() -> dict[str, str]:
    return {name: value.replace(PLACEHOLDER, FILLED) for name, value in env_example().items()}


def dockerfile_env() -> dict[str, str]:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            found.update(dict(pair.split("=", 1) for pair in line[4:].split()))
    return found


def parses_as_rec(args: list[str]) -> Any:
    try:
        return build_parser().parse_args(args)
    except SystemExit:
        pytest.fail(f"`rec {shlex.join(args)}` is not a command `rec` accepts")


def compose_calls(script: Path) -> list[list[str]]:
    """Each `"${compose[@]}" ...` command of a script, as its words (quotes removed, line
    continuations joined), up to its first redirection."""
    text = script.read_text(encoding="utf-8").replace("\\\n", " ")
    calls = []
    for start in [m.start() for m in re.finditer(r'"\$\{compose\[@\]\}"', text)]:
        end = start
        quoted = False
        while end < len(text) and (quoted or text[end] != "\n"):
            quoted ^= text[end] == "'"
            end += 1
        lexer = shlex.shlex(text[start:end], posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = []
        for word in list(lexer)[1:]:
            if word[0] in "<>();&|":  # a redirection, or the command's end
                break
            words.append(word)
        calls.append(words)
    assert calls, f"{script.name} calls no `docker compose`"
    return calls


TAKES_VALUE = {"--entrypoint", "--scale", "--time", "-e", "--env", "-u", "--user", "-w"}


def services_called(words: list[str]) -> tuple[str, list[str], str | None]:
    """The compose subcommand, the services it names, and the script after `-c`, if any."""
    action, rest = words[0], words[1:]
    named: list[str] = []
    script = None
    index = 0
    while index < len(rest):
        word = rest[index]
        if word in TAKES_VALUE:
            index += 2
            continue
        if not word.startswith("-"):
            named.append(word)
            if action in ("run", "exec"):  # then the command run in it: `[bash] -c SCRIPT`
                tail = rest[index + 1 :]
                if "-c" in tail[:2]:
                    script = tail[tail.index("-c") + 1]
                break
        index += 1
    return action, named, script


# --- Compose --------------------------------------------------------------------------


def test_compose_has_every_service_of_the_production_stack() -> None:
    found = services()
    wanted = {"mongo-init", "postgres", "migrate", "app", "worker", "caddy", *MEMBERS}
    assert wanted <= set(found), f"missing: {sorted(wanted - set(found))}"
    assert all(found[name]["image"] == "mongo:8" for name in (*MEMBERS, "mongo-init"))
    assert found["postgres"]["image"] == "postgres:17"
    assert found["caddy"]["image"].startswith("caddy:2")


def test_the_replica_set_has_exactly_three_members_and_init_names_them_all() -> None:
    found = services()
    in_set = {name for name, service in found.items() if "--replSet" in service.get("command", [])}
    assert in_set == set(MEMBERS)
    data_volumes = set()
    for name in MEMBERS:
        command = command_of(name)
        assert command[command.index("--replSet") + 1] == "rs0"
        assert "--keyFile" in command, f"{name}: members authenticate each other by keyfile"
        keyfile = command[command.index("--keyFile") + 1]
        mounts = [str(v) for v in found[name]["volumes"]]
        assert any(keyfile.startswith(m.split(":")[1] + "/") for m in mounts), keyfile
        (data,) = [m.split(":")[0] for m in mounts if m.split(":")[1] == "/data/db"]
        data_volumes.add(data)
    assert len(data_volumes) == 3, "each member keeps its own copy"

    init = environment_of("mongo-init")
    assert init["RS_NAME"] == "rs0"
    assert init["RS_MEMBERS"].split(",") == [f"{name}:27017" for name in MEMBERS]
    assert " ".join(command_of("mongo-init")).startswith("mongosh")
    conditions = found["mongo-init"]["depends_on"]
    assert {name: conditions[name]["condition"] for name in MEMBERS} == dict.fromkeys(
        MEMBERS, "service_healthy"
    )


def test_the_init_script_reads_only_what_its_service_is_given() -> None:
    script = (DEPLOY / "mongo-init.js").read_text(encoding="utf-8")
    mounted = [str(v) for v in services()["mongo-init"]["volumes"]]
    assert any(v.startswith("./mongo-init.js:") for v in mounted)
    read = set(re.findall(r"process\.env\.([A-Z][A-Z0-9_]*)", script))
    assert {"RS_MEMBERS", "REC_MONGODB_URL", "MONGO_ROOT_PASSWORD"} <= read
    assert read <= set(environment_of("mongo-init")), read - set(environment_of("mongo-init"))
    assert "replSetInitiate" in script and "members.length !== 3" in script


def test_app_worker_and_migrate_run_real_rec_commands() -> None:
    app = parses_as_rec(command_of("app"))
    assert app.command == "serve" and app.no_jobs is True and app.workers == 4
    assert "serve --workers" in " ".join(command_of("app"))
    assert "--no-jobs" in command_of("app")
    assert command_of("worker") == ["worker"]
    assert parses_as_rec(command_of("worker")).command == "worker"
    assert parses_as_rec(command_of("migrate")).command == "migrate"


def test_app_and_worker_wait_for_migrate_and_migrate_for_the_stores() -> None:
    found = services()
    for name in ("app", "worker"):
        assert found[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    migrate = found["migrate"]["depends_on"]
    assert migrate["postgres"]["condition"] == "service_healthy"
    assert migrate["mongo-init"]["condition"] == "service_completed_successfully"
    assert found["migrate"]["restart"] == "no"


def test_the_rec_services_share_the_image_and_the_settings_file() -> None:
    found = services()
    for name in ("migrate", "app", "worker"):
        assert found[name]["env_file"] == ".env"
        assert found[name]["build"]["context"] == ".."
        assert found[name]["image"] == found["app"]["image"]
        assert (DEPLOY / ".." / found[name]["build"]["dockerfile"]).resolve() == (
            DEPLOY / "Dockerfile"
        )


def test_the_app_listens_where_its_health_check_and_the_proxy_look() -> None:
    app = services()["app"]
    environment = environment_of("app")
    assert environment["REC_HOST"] == "0.0.0.0"
    port = environment["REC_PORT"]
    check = " ".join(app["healthcheck"]["test"])
    assert f"127.0.0.1:{port}/readyz" in check
    assert int(with_defaults(str(app["deploy"]["replicas"]))) >= 2
    data = environment["REC_DATA_DIR"]
    assert data == dockerfile_env()["REC_DATA_DIR"]
    assert any(str(v).split(":")[1] == data for v in app["volumes"]), "uploads need a volume"


def test_only_the_proxy_is_reachable_from_outside() -> None:
    found = services()
    published = {name for name, service in found.items() if service.get("ports")}
    assert published == {"caddy"}
    assert {str(p).split(":")[0] for p in found["caddy"]["ports"]} == {"80", "443"}
    stores = ("postgres", *MEMBERS)
    for name in stores:
        assert "front" not in found[name]["networks"]
    assert found["caddy"]["networks"] == ["front"], "the proxy cannot reach the stores"
    assert set(found["app"]["networks"]) == {"front", "back"}


def test_everything_a_service_refers_to_is_declared() -> None:
    whole = compose()
    found = whole["services"]
    volumes, networks = set(whole["volumes"]), set(whole["networks"])
    for name, service in found.items():
        depends = service.get("depends_on") or {}
        if isinstance(depends, list):
            depends = dict.fromkeys(depends, "service_started")
        for dependency, condition in depends.items():
            assert dependency in found, f"{name} depends on an unknown {dependency}"
            if isinstance(condition, dict):
                assert condition["condition"] in (
                    "service_started",
                    "service_healthy",
                    "service_completed_successfully",
                )
                if condition["condition"] == "service_healthy":
                    assert "healthcheck" in found[dependency], dependency
        for volume in service.get("volumes") or []:
            source = str(volume).split(":")[0]
            if not source.startswith("."):
                assert source in volumes, f"{name}: volume {source} is not declared"
            else:
                assert (DEPLOY / source).is_file(), f"{name}: {source} is missing"
        assert set(service.get("networks") or []) <= networks, name


def test_secrets_reach_compose_only_from_env() -> None:
    for name, service in services().items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET|TOKEN", key):
                assert INTERPOLATION.fullmatch(str(value)), f"{name}: {key} is written in"


def strings_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.items() for part in item for s in strings_in(part)]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return [str(value)]


def test_every_compose_variable_is_explained_in_env_example() -> None:
    text = "\n".join(strings_in(compose()))  # the values, not the comments
    used = {match.group(1) for match in INTERPOLATION.finditer(text)}
    explained = set(re.findall(r"\b[A-Z][A-Z0-9_]+\b", (DEPLOY / "env.example").read_text()))
    assert used, "compose.yaml takes its secrets from .env"
    assert used - explained == set()
    required = {m.group(1) for m in INTERPOLATION.finditer(text) if m.group(2) == ":?"}
    assert required <= set(env_example()), "a required variable must be set in env.example"


# --- settings -------------------------------------------------------------------------


def test_the_settings_read_what_this_deployment_relies_on() -> None:
    names = settings_names()
    assert {"REC_MODE", "REC_SECRET_KEY", "REC_DATABASE_URL", "REC_MONGODB_URL"} <= names
    # `rec serve --no-jobs` and `rec worker` rely on these two (server/jobs.py).
    assert {"REC_JOBS", "REC_JOB_LEASE_S"} <= names


@pytest.mark.parametrize("path", WRITTEN, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_every_rec_name_written_is_a_setting(path: Path) -> None:
    written = set(NAME.findall(path.read_text(encoding="utf-8")))
    assert written - settings_names() == set(), "not read by Settings.from_env"


def test_every_setting_is_documented_in_env_example_or_operations() -> None:
    documented = set(NAME.findall((DEPLOY / "env.example").read_text(encoding="utf-8")))
    documented |= set(NAME.findall(OPERATIONS.read_text(encoding="utf-8")))
    assert settings_names() - documented == set()


def test_env_example_explains_each_variable() -> None:
    lines = env_example_lines()
    for number, line in enumerate(lines, 1):
        if line.strip() and not line.startswith("#"):
            above = lines[number - 2] if number > 1 else ""
            assert above.startswith("#"), f"env.example line {number}: no comment: {line!r}"


def test_env_example_ships_no_secret() -> None:
    example = env_example()
    for name, value in example.items():
        if re.search(r"PASSWORD|SECRET|TOKEN", name):
            assert value == PLACEHOLDER, f"{name} must be a {PLACEHOLDER} placeholder"
    for name in ("REC_DATABASE_URL", "REC_MONGODB_URL"):
        match = re.match(r"[a-z]+://([^:@/]+):([^@/]+)@", example[name])
        assert match and match.group(2) == PLACEHOLDER, f"{name}: its password is a placeholder"


def test_env_example_as_shipped_is_refused() -> None:
    with pytest.raises(SettingsError, match="REC_SECRET_KEY"):
        Settings.from_env(env_example())


def test_env_example_filled_in_is_a_valid_production_configuration() -> None:
    settings = Settings.from_env(filled_in())
    assert settings.is_production
    assert settings.public_url.startswith("https://")
    assert settings.secret_key == FILLED
    assert settings.mail_backend == "smtp" and settings.smtp_password == FILLED
    assert settings.payment_provider == "redsys" and settings.redsys_environment == "production"
    assert settings.redsys_secret_key == FILLED
    assert settings.metrics_token == FILLED
    assert settings.database_url == f"postgres://rec:{FILLED}@postgres:5432/rec"
    assert settings.mongodb_url is not None and "replicaSet=rs0" in settings.mongodb_url
    assert all(f"{name}:27017" in settings.mongodb_url for name in MEMBERS)
    assert not settings.graphiql and not settings.introspection


def test_the_stores_passwords_agree_between_compose_and_the_urls() -> None:
    example = env_example()
    pattern = r"postgres://([^:]+):([^@]+)@([^:/]+):(\d+)/(\w+)$"
    database = re.match(pattern, example["REC_DATABASE_URL"])
    assert database, "REC_DATABASE_URL: postgres://USER:PASSWORD@HOST:PORT/DATABASE"
    user, password, host, _, name = database.groups()
    postgres = environment_of("postgres")
    assert (user, name) == (postgres["POSTGRES_USER"], postgres["POSTGRES_DB"])
    assert postgres["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")
    assert password == example["POSTGRES_PASSWORD"] and host == "postgres"
    assert re.match(r"mongodb://rec:", example["REC_MONGODB_URL"])
    assert environment_of("mongo-init")["MONGO_ROOT_USERNAME"] == "root"


# --- shell scripts --------------------------------------------------------------------


def test_the_scripts_are_the_ones_the_docs_name() -> None:
    assert {p.name for p in SCRIPTS} == {"backup.sh", "restore.sh", "rollout.sh"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_each_script_is_strict_bash_that_parses(script: Path) -> None:
    text = script.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in text
    assert script.stat().st_mode & stat.S_IXUSR, f"chmod +x {script.name}"
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_each_script_names_real_services_and_their_variables(script: Path) -> None:
    found = services()
    rec_image = {**dockerfile_env(), **env_example()}
    for words in compose_calls(script):
        action, named, command = services_called(words)
        assert action in ("run", "exec", "up", "stop", "ps"), words
        assert named, f"{script.name}: `{shlex.join(words)}` names no service"
        for service in named:
            service = service.split("=")[0]  # --scale app=N
            assert service in found, f"{script.name}: no service {service}"
        if command is None:
            continue
        given = set(environment_of(named[0]))
        if found[named[0]].get("env_file"):
            given |= set(rec_image)
        used = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", command))
        used |= set(re.findall(r"process\.env\.([A-Z][A-Z0-9_]*)", command))
        assert used <= given, f"{script.name}: {named[0]} has no {sorted(used - given)}"


def test_backup_takes_mongodb_then_postgresql_then_the_files() -> None:
    text = (DEPLOY / "backup.sh").read_text(encoding="utf-8")
    mongo, postgres, files = (text.index(word) for word in ("mongodump", "pg_dump", "tar -C"))
    assert mongo < postgres < files
    assert "--oplog " in text and "--format=custom" in text
    assert 'stamp="$(date -u' in text, "a timestamped folder"


def test_restore_replays_the_oplog_drops_and_verifies_the_ledger() -> None:
    text = (DEPLOY / "restore.sh").read_text(encoding="utf-8")
    for expected in ("mongorestore", "--oplogReplay", "--drop", "pg_restore", "--clean"):
        assert expected in text
    calls = compose_calls(DEPLOY / "restore.sh")
    (verify,) = [index for index, words in enumerate(calls) if "verify" in words]
    args = parses_as_rec(calls[verify][calls[verify].index("migrate") + 1 :])
    assert (args.command, args.ledger_command) == ("ledger", "verify")
    (start,) = [index for index, words in enumerate(calls) if words[0] == "up" and "app" in words]
    assert verify < start, "app and worker start only after the ledger verified"


# --- proxy ----------------------------------------------------------------------------


def caddyfile() -> str:
    lines = (DEPLOY / "Caddyfile").read_text(encoding="utf-8").splitlines()
    return "\n".join(line.split("#", 1)[0].rstrip() for line in lines)


def block_after(text: str, opening: str) -> str:
    """The body of the `{ ... }` block that follows `opening`."""
    start = text.index(opening)
    brace = text.index("{", start + len(opening) - 1)
    depth = 0
    for index in range(brace, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return text[brace + 1 : index]
    raise AssertionError(f"unclosed block after {opening!r}")


def test_the_proxy_serves_the_public_address_and_reaches_the_app_port() -> None:
    text = caddyfile()
    assert text.lstrip().startswith("{$REC_PUBLIC_URL} {")
    assert "REC_PUBLIC_URL" in environment_of("caddy")
    assert text.count("reverse_proxy") == 1
    upstream = block_after(text, "dynamic a")
    assert re.search(r"^\s*name app$", upstream, re.M)
    (port,) = re.findall(r"^\s*port (\d+)$", upstream, re.M)
    assert port == environment_of("app")["REC_PORT"]
    assert "app" in services()["caddy"]["depends_on"]


def test_the_proxy_keeps_metrics_private() -> None:
    text = caddyfile()
    (matcher,) = re.findall(r"^\s*@(\w+) path (.+)$", text, re.M)
    name, paths = matcher
    assert {"/metrics", "/metrics/*"} <= set(paths.split())
    private = block_after(text, f"handle @{name}")
    assert re.search(r"\brespond\b.*\b404\b", private) and "reverse_proxy" not in private
    # Caddy tries `handle` blocks with a matcher before the one without.
    assert text.index(f"handle @{name}") < text.index("reverse_proxy")


# --- image ----------------------------------------------------------------------------


def test_the_image_installs_the_pinned_project_as_a_user() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M)
    assert "pip install -c constraints.txt ." in text
    (user,) = re.findall(r"^USER (\S+)$", text, re.M)
    assert user not in ("root", "0")
    assert '\nENTRYPOINT ["rec"]\n' in text
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'rec = "server.cli:main"' in pyproject
    copied = re.findall(r"^COPY (.+) \S+$", text, re.M)
    sources = {source.rstrip("/") for line in copied for source in line.split()}
    for source in sources:
        assert (PROJECT_ROOT / source).exists(), f"COPY {source}: no such file"
    packages = re.search(r"include = \[(.*?)\]", pyproject)
    assert packages
    for pattern in re.findall(r'"(\w+)\*"', packages.group(1)):
        assert pattern in sources, f"the image must copy {pattern}/ to install it"
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line for line in ignore if line.strip() and not line.startswith("#")]
    assert patterns[0] == "*", "the build context is an allow-list"
    allowed = {line[1:].rstrip("/") for line in patterns if line.startswith("!")}
    assert sources <= allowed, "the build context must send what the image copies"
    assert dockerfile_env()["REC_BRANDING_DIR"].endswith("/branding")


# --- documentation --------------------------------------------------------------------


def test_operations_has_its_sections_and_keeps_the_metrics_anchor() -> None:
    headings = re.findall(r"^## (.+)$", OPERATIONS.read_text(encoding="utf-8"), re.M)
    for wanted in (
        "Deploying",
        "Scaling out",
        "Upgrading",
        "Monitoring: `/metrics`",  # README links to #monitoring-metrics
        "Backups and restore",
        "Recovering",
    ):
        assert wanted in headings


@pytest.mark.parametrize("path", [OPERATIONS, DEPLOY / "README.md"], ids=lambda p: p.name)
def test_the_documents_links_lead_somewhere(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if not target.startswith(("http://", "https://")):
            assert (path.parent / target).exists(), f"{path.name}: {target}"


def documented_commands(path: Path) -> list[list[str]]:
    """The `rec ...` commands in the document's shell blocks: written as `rec ...`, or
    through Compose as `docker compose run --rm --no-deps migrate ...`."""
    text = path.read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words[:1] == ["rec"]:
                found.append(words[1:])
            elif words[:6] == ["docker", "compose", "run", "--rm", "--no-deps", "migrate"]:
                found.append(words[6:])
    return found


@pytest.mark.parametrize("path", [OPERATIONS, DEPLOY / "README.md"], ids=lambda p: p.name)
def test_the_rec_commands_the_documents_show_are_real(path: Path) -> None:
    commands = documented_commands(path)
    assert commands, f"{path.name} shows no `rec` command"
    for words in commands:
        parses_as_rec(words)
    shown = {words[0] for words in commands}
    if path == OPERATIONS:
        assert {"admin", "currency", "ledger"} <= shown


def test_nothing_here_names_the_folder_it_was_written_in() -> None:
    for path in (*WRITTEN, DEPLOY / "Dockerfile.dockerignore", DEPLOY / ".gitignore"):
        assert str(PROJECT_ROOT) not in path.read_text(encoding="utf-8"), path.name
